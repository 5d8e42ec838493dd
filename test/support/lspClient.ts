// The LSP-level tests' client: the same child-process client the CLI uses (common/serverProcess.ts), plus a few
// conveniences and recorders for assertions.
import path from "node:path";
import {CancellationTokenSource} from "vscode-jsonrpc/node";
import type {InitializeResult, InlineCompletionList, Position} from "vscode-languageserver-protocol";
import {ServerProcess} from "../../common/serverProcess";
import type {CompletionStats, ServerSettings, ServerState} from "../../protocol/lsp";
import {repoRoot, tinyModelPath} from "./paths";

type DeepPartial<T> = {[K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K]};

export interface StartOptions {
    settings?: DeepPartial<ServerSettings>;
    /** Initialization options sent verbatim instead of {settings}. */
    initializationOptions?: unknown;
    env?: NodeJS.ProcessEnv;
    /** Another build of the server (default: the repository's dist/server.js). */
    serverPath?: string;
    /** Client capabilities for `initialize`, and answers to the server's requests (see ServerProcessOptions). */
    capabilities?: object;
    handlers?: Record<string, (params: unknown) => unknown>;
    /** InitializeParams.locale (the server's messages are in this language). */
    locale?: string;
}

export class TestLspClient {
    readonly logs: string[] = [];
    /** gemma/completionStats notifications: one per answered (not superseded) completion request. */
    readonly stats: CompletionStats[] = [];

    private constructor(private readonly server: ServerProcess) {
        server.connection.onNotification("gemma/completionStats", (s: CompletionStats) => void this.stats.push(s));
        server.connection.onNotification("window/logMessage", (m: {message: string}) => {
            this.logs.push(m.message);
            this.logWaiters = this.logWaiters.filter((w) => (w.pattern.test(m.message) ? (w.resolve(m.message), false) : true));
        });
    }

    private logWaiters: {pattern: RegExp; resolve: (line: string) => void}[] = [];

    /** Resolves with the next log line (from now on) that matches. */
    nextLog(pattern: RegExp): Promise<string> {
        return new Promise((resolve) => this.logWaiters.push({pattern, resolve}));
    }

    get connection() {
        return this.server.connection;
    }
    get child() {
        return this.server.child;
    }
    get states(): ServerState[] {
        return this.server.states;
    }

    static async start(options: StartOptions = {}): Promise<{client: TestLspClient; init: InitializeResult}> {
        const {server, init} = await ServerProcess.start({
            serverPath: options.serverPath ?? path.join(repoRoot, "dist/server.js"), cwd: repoRoot, env: options.env, clientName: "gemma-code-test-client",
            capabilities: options.capabilities, handlers: options.handlers, locale: options.locale,
            // No debounce unless a test asks for it (test/lsp/debounce.test.ts): the tests time the pipeline itself.
            initializationOptions: options.initializationOptions ?? {settings: {modelPath: tinyModelPath, ...options.settings,
                completion: {debounceMs: 0, ...options.settings?.completion}}}
        });
        return {client: new TestLspClient(server), init};
    }

    waitForState(predicate: (s: ServerState) => boolean) {
        return this.server.waitForState(predicate);
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

    shutdown() {
        return this.server.shutdown();
    }

    kill() {
        this.server.kill();
    }
}

/** The position just after `text`'s last character (LSP counts \r, \n and \r\n as line ends). */
export function endOf(text: string): Position {
    const lines = text.split(/\r\n|\r|\n/);
    return {line: lines.length - 1, character: lines[lines.length - 1].length};
}

export {CancellationTokenSource};
