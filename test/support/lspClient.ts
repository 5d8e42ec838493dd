// A minimal LSP client for tests: spawns `node dist/server.js --stdio` and speaks JSON-RPC to it with
// vscode-jsonrpc, the way any editor would. Nothing from the extension is used, so these tests prove the server
// works as a standalone program.
import {ChildProcess, spawn} from "node:child_process";
import path from "node:path";
import {
    CancellationTokenSource, createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter
} from "vscode-jsonrpc/node";
import type {InitializeResult, InlineCompletionList, Position} from "vscode-languageserver-protocol";
import type {CompletionStats, ServerSettings, ServerState} from "../../protocol/lsp";
import {repoRoot, tinyModelPath} from "./paths";

export interface StartOptions {
    settings?: Partial<ServerSettings>;
    /** Initialization options sent verbatim instead of {settings}. */
    initializationOptions?: unknown;
    env?: NodeJS.ProcessEnv;
}

export class TestLspClient {
    readonly connection: MessageConnection;
    readonly states: ServerState[] = [];
    /** gemma/completionStats notifications: one per answered (not superseded) completion request. */
    readonly stats: CompletionStats[] = [];
    readonly logs: string[] = [];
    readonly stderr: string[] = [];
    private stateWaiters: {predicate: (s: ServerState) => boolean; resolve: (s: ServerState) => void}[] = [];
    readonly exited: Promise<number | null>;

    private constructor(readonly child: ChildProcess) {
        this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
        this.connection.onNotification("gemma/serverState", (s: ServerState) => {
            this.states.push(s);
            this.stateWaiters = this.stateWaiters.filter((w) => (w.predicate(s) ? (w.resolve(s), false) : true));
        });
        this.connection.onNotification("gemma/completionStats", (s: CompletionStats) => void this.stats.push(s));
        this.connection.onNotification("window/logMessage", (m: {message: string}) => void this.logs.push(m.message));
        this.connection.onRequest("client/registerCapability", () => null);
        this.connection.onRequest("workspace/configuration", () => []);
        child.stderr!.on("data", (d) => this.stderr.push(String(d)));
        this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
        this.connection.listen();
    }

    static async start(options: StartOptions = {}): Promise<{client: TestLspClient; init: InitializeResult}> {
        const child = spawn(process.execPath, [path.join(repoRoot, "dist/server.js"), "--stdio"], {
            cwd: repoRoot, env: {...process.env, ...options.env}, stdio: ["pipe", "pipe", "pipe"]
        });
        const client = new TestLspClient(child);
        const init = await client.connection.sendRequest<InitializeResult>("initialize", {
            processId: process.pid,
            rootUri: null,
            capabilities: {},
            clientInfo: {name: "gemma-code-test-client"},
            initializationOptions: options.initializationOptions ?? {settings: {modelPath: tinyModelPath, ...options.settings}}
        });
        await client.connection.sendNotification("initialized", {});
        return {client, init};
    }

    /** Resolves with the first state (already seen or future) that matches. */
    waitForState(predicate: (s: ServerState) => boolean): Promise<ServerState> {
        const seen = this.states.find(predicate);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve) => this.stateWaiters.push({predicate, resolve}));
    }

    open(uri: string, text: string, languageId = "typescript", version = 1) {
        return this.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId, version, text}});
    }

    /** Replaces the whole text (a full-document change is valid with incremental sync too). */
    change(uri: string, text: string, version: number) {
        return this.connection.sendNotification("textDocument/didChange", {textDocument: {uri, version}, contentChanges: [{text}]});
    }

    complete(uri: string, position: Position, token?: CancellationTokenSource): Promise<InlineCompletionList | null> {
        const params = {textDocument: {uri}, position, context: {triggerKind: 2}};
        // Passing `undefined` as a token would be sent as a second positional parameter.
        return token ? this.connection.sendRequest("textDocument/inlineCompletion", params, token.token)
            : this.connection.sendRequest("textDocument/inlineCompletion", params);
    }

    /** shutdown + exit, the way a polite client ends a session; resolves with the process's exit code. */
    async shutdown(): Promise<number | null> {
        await this.connection.sendRequest("shutdown");
        await this.connection.sendNotification("exit");
        const code = await this.exited;
        this.connection.dispose();
        return code;
    }

    kill() {
        this.connection.dispose();
        this.child.kill("SIGKILL");
    }
}

/** The position just after `text`'s last character. */
export function endOf(text: string): Position {
    const lines = text.split("\n");
    return {line: lines.length - 1, character: lines[lines.length - 1].length};
}

export {CancellationTokenSource};
