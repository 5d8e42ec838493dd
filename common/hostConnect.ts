// Connects a window to the shared host for its model, starting the host (detached) when none answers. Used by
// the extension (src/hostConnection.ts), the `--connect` stdio bridge and the tests. When many windows find the
// host gone at once (it crashed), one of them takes the "starting" lock and starts it; the others wait for the
// socket: one restart, no storm.
import {spawn} from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import * as l10n from "../language-server/l10n";
import {HostFlags, hostPaths, HostPaths, TurnPolicy} from "../protocol/host";
import {breakIfStale, ensureHostDir, tryLock, unlock} from "./hostDir";

export interface HostConnectOptions {
    /** dist/server.js */
    serverPath: string;
    dir: string;
    key: string;
    idleMs?: number;
    maxSequences?: number;
    turns?: TurnPolicy;
    /** Environment of a host this call starts. */
    env?: NodeJS.ProcessEnv;
    /** Give up after this long (default 60 s: a cold start on a slow disk). */
    timeoutMs?: number;
    log?: (message: string) => void;
}

export interface HostConnection {
    socket: net.Socket;
    /** Whether this call started the host (false: it was running, or another window started it). */
    started: boolean;
}

const STARTING_MAX_AGE_MS = 60_000;

export async function connectToHost(options: HostConnectOptions): Promise<HostConnection> {
    ensureHostDir(options.dir);
    const paths = hostPaths(options.dir, options.key);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let started = false;
    while (Date.now() < deadline) {
        const socket = await tryConnect(paths.socket);
        if (socket) return {socket, started};
        if (tryLock(paths.starting)) {
            try {
                options.log?.(`No shared host answers at ${paths.socket}: starting one.`);
                const child = spawnHost(options, paths);
                started = true;
                const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
                // Until its socket accepts, it exits (another host won the lock: connect to that one), or time is up.
                // Woken by the directory's events (the socket appears), the host's exit, or at the latest after a second.
                while (Date.now() < deadline) {
                    const change = changeIn(options.dir, 1000);
                    const ready = await tryConnect(paths.socket);
                    if (ready) {
                        change.cancel();
                        return {socket: ready, started};
                    }
                    const gone = await Promise.race([exited.then(() => true), change.promise.then(() => false)]);
                    change.cancel();
                    if (gone) break;
                }
            } finally {
                unlock(paths.starting);
            }
            continue;
        }
        // Another window is starting the host; its lock is abandoned if that window died or took too long.
        if (breakIfStale(paths.starting, STARTING_MAX_AGE_MS)) continue;
        // Until the socket appears or the starting lock goes (directory events), checking at least once a second.
        const change = changeIn(options.dir, 1000);
        if (fs.existsSync(paths.starting)) await change.promise;
        change.cancel();
    }
    // Before any LSP connection: the extension shows it in its display language (src/l10n.ts fromShared).
    throw new Error(l10n.t("No shared Gemma Code host answered at {0} within {1} s (its log: {2}).", paths.socket,
        Math.round((options.timeoutMs ?? 60_000) / 1000), paths.log));
}

/** A connected socket, or undefined when nothing listens there (no file, or a stale one). */
export function tryConnect(socketPath: string): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
        const socket = net.connect(socketPath);
        socket.once("connect", () => {
            socket.removeAllListeners("error");
            resolve(socket);
        });
        socket.once("error", () => {
            socket.destroy();
            resolve(undefined);
        });
    });
}

function spawnHost(options: HostConnectOptions, paths: HostPaths) {
    const args = [options.serverPath, HostFlags.listen, HostFlags.dir, options.dir, HostFlags.key, options.key];
    if (options.idleMs !== undefined) args.push(HostFlags.idleMs, String(options.idleMs));
    if (options.maxSequences !== undefined) args.push(HostFlags.maxSequences, String(options.maxSequences));
    if (options.turns !== undefined) args.push(HostFlags.turns, options.turns);
    // The host outlives the window that starts it: its own session, no inherited pipes, output to its log file.
    if (fs.existsSync(paths.log) && fs.statSync(paths.log).size > 1 << 20) fs.rmSync(paths.log, {force: true});
    const out = fs.openSync(paths.log, "a", 0o600);
    try {
        const child = spawn(process.execPath, args, {
            detached: true, stdio: ["ignore", out, out],
            // VS Code desktop's extension host runs in Electron: make its binary behave as Node.
            env: {...process.env, ...options.env, ELECTRON_RUN_AS_NODE: "1"}
        });
        child.unref();
        return child;
    } finally {
        fs.closeSync(out);
    }
}

/** Resolves at the next change in `dir` (a file created or removed) or after `ms`, whichever is first. */
function changeIn(dir: string, ms: number): {promise: Promise<void>; cancel(): void} {
    let cancel = () => undefined as void;
    const promise = new Promise<void>((resolve) => {
        let watcher: fs.FSWatcher | undefined;
        const done = () => {
            clearTimeout(timer);
            watcher?.close();
            resolve();
        };
        const timer = setTimeout(done, ms);
        try {
            watcher = fs.watch(dir, done);
            watcher.on("error", () => undefined);
        } catch {
            // No watcher here (some file systems): the timer alone wakes us.
        }
        cancel = done;
    });
    return {promise, cancel};
}
