// The host's two command-line modes (see protocol/host.ts):
//   dist/server.js --listen [--model FILE] [--host-dir D] [--idle-ms N] [--max-sequences N]
//       run the shared host for that model (windows and `--connect` start it themselves; by hand is for testing);
//   dist/server.js --connect
//       for any LSP editor that speaks stdio (Neovim, Helix…): reads the editor's `initialize`, connects to the
//       host for the model it asks for (starting it if needed) and relays the bytes both ways.
import {PassThrough} from "node:stream";
import {createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter} from "vscode-languageserver/node";
import {connectToHost} from "../../common/hostConnect";
import {DEFAULT_HOST_IDLE_MS, hostDirectory, HostFlags, hostKey, MAX_COMPLETION_SEQUENCES} from "../../protocol/host";
import {defaultServerSettings} from "../../protocol/lsp";
import type {Logger} from "../log";
import {startServer} from "../server";
import {mergeSettings, settingsFromInitializationOptions} from "../settings";
import {startHost} from "./hostServer";

/** Runs the mode the arguments ask for; false when they ask for the ordinary (stdio / ipc) server. */
export function runHostMode(argv: string[]): boolean {
    if (argv.includes(HostFlags.listen)) {
        void listen(argv);
        return true;
    }
    if (argv.includes(HostFlags.connect)) {
        void bridge(argv);
        return true;
    }
    return false;
}

function option(argv: string[], flag: string): string | undefined {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

function positiveInt(text: string | undefined, fallback: number) {
    const n = Number(text);
    return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** The host has no window of its own: it logs to stderr, which whoever started it points at the host's log file. */
const stderrLog: Logger = {
    error: (m) => write("error", m),
    warn: (m) => write("warn", m),
    info: (m) => write("info", m),
    debug: () => undefined
};
function write(level: string, message: string) {
    process.stderr.write(`${new Date().toISOString()} [${level}] ${message}\n`);
}

async function listen(argv: string[]) {
    process.on("uncaughtException", (error) => stderrLog.error(`Uncaught exception: ${error.stack ?? error}`));
    process.on("unhandledRejection", (reason) => stderrLog.error(`Unhandled rejection: ${reason instanceof Error ? reason.stack : reason}`));
    const model = option(argv, "--model");
    const key = option(argv, HostFlags.key) ?? hostKey(mergeSettings(defaultServerSettings, {modelPath: model ?? ""}));
    try {
        const started = await startHost({
            dir: option(argv, HostFlags.dir) ?? hostDirectory(), key,
            idleMs: positiveInt(option(argv, HostFlags.idleMs), DEFAULT_HOST_IDLE_MS),
            sequenceLimit: positiveInt(option(argv, HostFlags.maxSequences), MAX_COMPLETION_SEQUENCES),
            turns: ({fifo: "fifo", off: "off"} as const)[option(argv, HostFlags.turns) ?? ""] ?? "fair",
            log: stderrLog
        });
        if (!started) process.exit(0);
    } catch (error) {
        stderrLog.error(`The host could not start: ${error instanceof Error ? error.stack : error}`);
        process.exit(1);
    }
}

async function bridge(argv: string[]) {
    const {raw, initialize} = await firstMessage(process.stdin);
    const settings = settingsFromInitializationOptions((initialize as {params?: {initializationOptions?: unknown}})?.params?.initializationOptions);
    if (settings.engine === "remote") {
        // Nothing to share: the remote server holds the model. Serve this editor in this process, as --stdio does.
        const input = new PassThrough();
        input.write(raw);
        process.stdin.pipe(input);
        startServer(createConnection(ProposedFeatures.all, new StreamMessageReader(input), new StreamMessageWriter(process.stdout)));
        return;
    }
    const {socket} = await connectToHost({
        serverPath: process.argv[1], dir: option(argv, HostFlags.dir) ?? hostDirectory(), key: hostKey(settings),
        idleMs: positiveInt(option(argv, HostFlags.idleMs), DEFAULT_HOST_IDLE_MS), log: (m) => write("info", m)
    }).catch((error) => {
        write("error", String(error instanceof Error ? error.message : error));
        process.exit(1);
    });
    socket.write(raw);
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    process.stdin.on("end", () => socket.end());
    socket.on("close", () => process.exit(0));
}

/** Reads one Content-Length framed message (the editor's `initialize`): its bytes and its parsed JSON. */
function firstMessage(input: NodeJS.ReadableStream): Promise<{raw: Buffer; initialize: unknown}> {
    return new Promise((resolve, reject) => {
        let buffer = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
            buffer = Buffer.concat([buffer, chunk]);
            const headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd < 0) return;
            const length = Number(/content-length:\s*(\d+)/i.exec(buffer.subarray(0, headerEnd).toString("ascii"))?.[1]);
            // l10n-ignore: the shared host's plumbing, before any LSP connection (no locale yet)
            if (!Number.isInteger(length)) return reject(new Error("The first message has no Content-Length header."));
            if (buffer.length < headerEnd + 4 + length) return;
            input.removeListener("data", onData);
            input.pause();
            let initialize: unknown;
            try {
                initialize = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8"));
            } catch {
                initialize = undefined;
            }
            resolve({raw: buffer, initialize});
        };
        input.on("data", onData);
        input.on("error", reject);
    });
}
