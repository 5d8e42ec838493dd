// The shared host (one language-server process per user and model, serving every window over a Unix socket):
// its command-line flags, where its socket and lock live, and its custom methods. Imported by the host
// (language-server/host/), the extension (src/hostConnection.ts), the `--connect` bridge and the tests.
import {createHash} from "node:crypto";
import os from "node:os";
import path from "node:path";
import {NotificationType, RequestType0} from "vscode-languageserver-protocol";
import type {ServerSettings} from "./lsp";

/** `dist/server.js --listen`: run as the shared host. `--connect`: bridge stdio to it (for any stdio LSP editor). */
export const HostFlags = {
    listen: "--listen",
    connect: "--connect",
    /** Directory of the socket and lock (default: hostDirectory()). */
    dir: "--host-dir",
    /** Which host this is (hostKey()); set by whoever starts it, part of the socket's name. */
    key: "--host-key",
    /** Milliseconds the host stays up after its last window has gone (default DEFAULT_HOST_IDLE_MS). */
    idleMs: "--idle-ms",
    /** Most completion sequences (one per window) before windows share them (default: from free memory, ≤ 8). */
    maxSequences: "--max-sequences",
    /**
     * How completion turns are shared between windows (language-server/host/fairTurns.ts): "fair" (the default:
     * least recently used first, a long generation paused at a token for another window), "fifo" (arrival order,
     * each turn runs to its end) or "off" (no turns: generations run at once). The last two are for the benchmark.
     */
    turns: "--turns"
} as const;

export type TurnPolicy = "fair" | "fifo" | "off";

export const DEFAULT_HOST_IDLE_MS = 5 * 60_000;
export const MAX_COMPLETION_SEQUENCES = 8;
/** Environment override of the host directory (tests, or several isolated setups on one account). */
export const HOST_DIR_ENV = "GEMMA_CODE_HOST_DIR";

/**
 * The per-user directory of sockets and locks: $XDG_RUNTIME_DIR (already 0700 and per login on Linux), else a
 * gemma-code-<uid> folder in the temp directory that we create 0700 and verify (common/hostDir.ts).
 */
export function hostDirectory(env: NodeJS.ProcessEnv = process.env): string {
    if (env[HOST_DIR_ENV]) return path.resolve(env[HOST_DIR_ENV]!);
    const uid = typeof process.getuid === "function" ? process.getuid() : os.userInfo().username;
    if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) return path.join(env.XDG_RUNTIME_DIR, "gemma-code");
    return path.join(os.tmpdir(), `gemma-code-${uid}`);
}

/** Settings that choose what the host loads: a window asking for other values gets (or starts) another host. */
export function hostKey(settings: ServerSettings): string {
    const c = settings.completion;
    const chosen = [settings.modelPath, settings.gpu, settings.contextSize, settings.threads, c.draftModelPath, c.draftMaxTokens,
        c.draftMinConfidence];
    return createHash("sha256").update(JSON.stringify(chosen)).digest("hex").slice(0, 16);
}

export interface HostPaths {
    socket: string;
    /** Held by the host process while it owns the socket (its pid inside). */
    lock: string;
    /** Held by the one window that is starting a host, so that the others wait instead of starting their own. */
    starting: string;
    /** The host's own output (it has no window to log to before the first connection). */
    log: string;
}

export function hostPaths(dir: string, key: string): HostPaths {
    const base = path.join(dir, `host-${key}`);
    // Windows has no Unix sockets in the file system: a named pipe per user and key instead.
    const socket = process.platform === "win32" ? `\\\\.\\pipe\\gemma-code-${os.userInfo().username}-${key}` : `${base}.sock`;
    return {socket, lock: `${base}.lock`, starting: `${base}.starting`, log: `${base}.log`};
}

/** Host → every window, whenever a window connects or leaves. */
export interface HostInfo {
    pid: number;
    /** Windows (LSP connections) connected now, this one included. */
    windows: number;
    /** Completion sequences in use; fewer than windows once the memory limit made windows share. */
    sequences: number;
    sequenceLimit: number;
    socket: string;
    /** Completion generations paused at a token so far, to let another window's turn run (fairTurns.ts). */
    paused?: number;
}
export namespace HostInfoNotification {
    export const method = "gemma/hostInfo" as const;
    export const type = new NotificationType<HostInfo>(method);
}
export namespace GetHostInfoRequest {
    export const method = "gemma/getHostInfo" as const;
    export const type = new RequestType0<HostInfo, void>(method);
}

/**
 * Restarts the host for every window: the host says gemma/hostRestarting to all of them, closes their
 * connections and exits; each window then reconnects (the first one starts the new host).
 */
export namespace RestartHostRequest {
    export const method = "gemma/restartHost" as const;
    export const type = new RequestType0<null, void>(method);
}
export namespace HostRestartingNotification {
    export const method = "gemma/hostRestarting" as const;
    export const type = new NotificationType<{reason: string}>(method);
}

