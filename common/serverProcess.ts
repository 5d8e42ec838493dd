// Starts `dist/server.js --stdio` as a child process and speaks JSON-RPC to it: the headless CLI uses it, and
// so do the LSP-level tests. Nothing from VS Code is involved: this is what any LSP client does.
import {ChildProcess, spawn} from "node:child_process";
import {createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter} from "vscode-jsonrpc/node";
import {
    ConfigurationRequest, ExitNotification, InitializedNotification, InitializeRequest, type InitializeResult, RegistrationRequest, ShutdownRequest
} from "vscode-languageserver-protocol";
import {ServerState, ServerStateNotification} from "../protocol/lsp";

export interface ServerProcessOptions {
    serverPath: string;
    initializationOptions: unknown;
    clientName: string;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    /** The client capabilities sent in `initialize` (default: none). */
    capabilities?: object;
    /** InitializeParams.locale: the language of the messages the server sends (default: none, English). */
    locale?: string;
    /** Answers to the server's requests, by method, installed before `initialize` (replacing the defaults below). */
    handlers?: Record<string, (params: unknown) => unknown>;
}

export class ServerProcess {
    readonly connection: MessageConnection;
    readonly states: ServerState[] = [];
    readonly stderr: string[] = [];
    readonly exited: Promise<number | null>;
    private stateWaiters: {predicate: (s: ServerState) => boolean; resolve: (s: ServerState) => void}[] = [];

    private constructor(readonly child: ChildProcess, handlers: Record<string, (params: unknown) => unknown> = {}) {
        this.connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
        this.connection.onNotification(ServerStateNotification.method, (s: ServerState) => {
            this.states.push(s);
            this.stateWaiters = this.stateWaiters.filter((w) => (w.predicate(s) ? (w.resolve(s), false) : true));
        });
        // Requests a server may send to its client; answering keeps it from waiting.
        this.connection.onRequest(RegistrationRequest.type, () => undefined);
        this.connection.onRequest(ConfigurationRequest.type, () => []);
        for (const [method, handler] of Object.entries(handlers)) this.connection.onRequest(method, handler);
        child.stderr!.on("data", (d) => this.stderr.push(String(d)));
        this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
        this.connection.listen();
    }

    static async start(options: ServerProcessOptions): Promise<{server: ServerProcess; init: InitializeResult}> {
        const child = spawn(process.execPath, [options.serverPath, "--stdio"], {
            cwd: options.cwd, env: {...process.env, ...options.env}, stdio: ["pipe", "pipe", "pipe"]
        });
        const server = new ServerProcess(child, options.handlers);
        const init = await server.connection.sendRequest(InitializeRequest.type, {
            processId: process.pid, rootUri: null, capabilities: options.capabilities ?? {}, clientInfo: {name: options.clientName},
            initializationOptions: options.initializationOptions, ...(options.locale ? {locale: options.locale} : {})
        });
        await server.connection.sendNotification(InitializedNotification.type, {});
        return {server, init};
    }

    /** Resolves with the first state (already seen or future) that matches. */
    waitForState(predicate: (s: ServerState) => boolean): Promise<ServerState> {
        const seen = this.states.find(predicate);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve) => this.stateWaiters.push({predicate, resolve}));
    }

    /** shutdown + exit, the way a polite client ends a session; resolves with the process's exit code. */
    async shutdown(): Promise<number | null> {
        await this.connection.sendRequest(ShutdownRequest.type);
        await this.connection.sendNotification(ExitNotification.type);
        const code = await this.exited;
        this.connection.dispose();
        return code;
    }

    kill() {
        this.connection.dispose();
        this.child.kill("SIGKILL");
    }
}
