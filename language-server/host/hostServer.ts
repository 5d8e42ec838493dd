// The shared host: one process per user and model that every window connects to over a Unix socket (see
// protocol/host.ts and the README's "Several VS Code windows"). It owns the socket and its lock, runs each
// connection through server.ts with a window view of the one SharedModel, tells every window how many share it,
// and exits after its last window has been gone for the idle time.
import fs from "node:fs";
import net from "node:net";
import type {Connection} from "vscode-languageserver";
import {tryConnect} from "../../common/hostConnect";
import {breakIfStale, ensureHostDir, tryLock, unlock} from "../../common/hostDir";
import {GetHostInfoRequest, HostInfo, HostInfoNotification, hostPaths, HostRestartingNotification, RestartHostRequest, TurnPolicy}
    from "../../protocol/host";
import type {Logger} from "../log";
import {startServer} from "../server";
import {TaskQueue} from "../tasks/taskQueue";
import {SharedModel, WindowEngine} from "./sharedModel";
import {windowConnection} from "./windowConnection";
import {WindowTasks} from "./windowTasks";

export interface HostOptions {
    dir: string;
    key: string;
    idleMs: number;
    sequenceLimit: number;
    turns?: TurnPolicy;
    log: Logger;
}

interface Window {
    connection: Connection;
    socket: net.Socket;
    engine?: WindowEngine;
    tasks: WindowTasks;
    /** Set once the window's cleanup has started (exit, shutdown + close, or a dropped socket). */
    closing?: Promise<void>;
    abortCompletions: () => Promise<void>;
}

/** Starts the host; resolves false (and the process should exit) when another host already serves this key. */
export async function startHost(options: HostOptions): Promise<boolean> {
    const {log} = options;
    ensureHostDir(options.dir);
    const paths = hostPaths(options.dir, options.key);
    // The lock decides which host owns the socket; a lock left by a killed host is taken over.
    while (!tryLock(paths.lock)) {
        if (!breakIfStale(paths.lock)) {
            log.info(`Another host holds ${paths.lock}; this one exits.`);
            return false;
        }
    }
    if (fs.existsSync(paths.socket)) {
        const live = await tryConnect(paths.socket);
        if (live) {
            live.destroy();
            unlock(paths.lock);
            log.info(`A host already answers at ${paths.socket}; this one exits.`);
            return false;
        }
        log.info(`Removing the stale socket ${paths.socket} (its host is gone).`);
        fs.rmSync(paths.socket, {force: true});
    }

    const turns = options.turns ?? "fair";
    const shared = new SharedModel(log, options.sequenceLimit, turns === "off" ? false : {preempt: turns === "fair"});
    const tasks = new TaskQueue();
    const windows = new Set<Window>();
    let idleTimer: NodeJS.Timeout | undefined;
    let stopping: Promise<void> | undefined;

    const info = (): HostInfo => ({pid: process.pid, windows: windows.size, sequences: shared.sequencesInUse,
        sequenceLimit: shared.sequenceLimit, socket: paths.socket, paused: shared.turns?.preemptions ?? 0});
    const broadcast = () => {
        const now = info();
        for (const w of windows) void w.connection.sendNotification(HostInfoNotification.type, now).catch(() => undefined);
    };
    // After the last window: the host's idle time, or sooner when those windows asked to unload an idle model sooner.
    const exitAfterMs = () => {
        const minutes = shared.unloadAfterMinutes;
        return minutes > 0 ? Math.min(options.idleMs, minutes * 60_000) : options.idleMs;
    };
    const armIdle = () => {
        clearTimeout(idleTimer);
        if (windows.size > 0) return;
        const ms = exitAfterMs();
        idleTimer = setTimeout(() => {
            log.info(`No window for ${ms} ms: unloading the model and exiting.`);
            void stop();
        }, ms);
    };

    const closeWindow = (w: Window) => {
        w.closing ??= (async () => {
            // Only this window's work stops; the model and the other windows' requests go on.
            await w.abortCompletions().catch(() => undefined);
            await w.tasks.abortAll();
            await w.engine?.dispose();
            windows.delete(w);
            w.connection.dispose();
            w.socket.destroy();
            log.info(`A window left; ${windows.size} connected.`);
            broadcast();
            if (!stopping) armIdle();
        })();
        return w.closing;
    };

    const server = net.createServer((socket) => {
        if (stopping) return void socket.destroy();
        clearTimeout(idleTimer);
        const w: Window = {socket, tasks: new WindowTasks(tasks), abortCompletions: async () => undefined,
            connection: windowConnection(socket, {onExit: () => void closeWindow(w), onInitialized: () => broadcast()})};
        windows.add(w);
        const served = startServer(w.connection, {engine: (onState) => (w.engine = shared.window(onState)), tasks: w.tasks});
        w.abortCompletions = () => served.completion.abortInFlight();
        w.connection.onRequest(GetHostInfoRequest.type, info);
        w.connection.onRequest(RestartHostRequest.type, () => {
            log.info("Restart requested by a window: telling every window, then exiting.");
            setImmediate(() => void stop("restart requested"));
            return null;
        });
        socket.on("close", () => void closeWindow(w));
        socket.on("error", () => void closeWindow(w));
        log.info(`A window connected; ${windows.size} connected.`);
    });

    const stop = (reason = "idle") => {
        stopping ??= (async () => {
            clearTimeout(idleTimer);
            for (const w of windows) void w.connection.sendNotification(HostRestartingNotification.type, {reason}).catch(() => undefined);
            for (const w of windows) await w.abortCompletions().catch(() => undefined);
            await tasks.abortAll();
            // The model goes before the socket does, so the next host never loads next to this one.
            await shared.dispose().catch((e) => log.error(`dispose: ${e}`));
            server.close();
            fs.rmSync(paths.socket, {force: true});
            unlock(paths.lock);
            for (const w of [...windows]) w.socket.destroy();
            log.info(`Host ${process.pid} exits (${reason}).`);
            process.exit(0);
        })();
        return stopping;
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));

    // Only the user may use the socket: created 0600 (umask), inside the 0700 directory.
    const umask = process.umask(0o177);
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(paths.socket, () => resolve());
        });
    } finally {
        process.umask(umask);
    }
    log.info(`Gemma Code host ${process.pid} listening on ${paths.socket} (idle exit after ${options.idleMs} ms, `
        + `up to ${options.sequenceLimit} completion sequences, turns: ${turns})`);
    armIdle();
    return true;
}
