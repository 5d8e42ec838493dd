// A window of the shared host, as the LSP-level tests drive it: connects (starting the host if none answers)
// through the same common/hostConnect.ts the extension uses, then speaks LSP over the socket.
import fs from "node:fs";
import type net from "node:net";
import path from "node:path";
import {createMessageConnection, MessageConnection, SocketMessageReader, SocketMessageWriter} from "vscode-jsonrpc/node";
import type {InlineCompletionList, Position} from "vscode-languageserver-protocol";
import {connectToHost} from "../../common/hostConnect";
import {settingsFromInitializationOptions} from "../../language-server/settings";
import {GetHostInfoRequest, HostInfo, HostInfoNotification, hostKey, hostPaths, TurnPolicy} from "../../protocol/host";
import {ServerSettings, ServerState, ServerStateNotification} from "../../protocol/lsp";
import {repoRoot} from "./paths";

export interface HostClientOptions {
    dir: string;
    settings: Partial<ServerSettings>;
    idleMs?: number;
    maxSequences?: number;
    turns?: TurnPolicy;
    /** InitializeParams.locale: the language of this window's messages. */
    locale?: string;
}

export class HostClient {
    readonly states: ServerState[] = [];
    readonly infos: HostInfo[] = [];
    readonly closed: Promise<void>;
    private waiters: (() => void)[] = [];

    private constructor(readonly connection: MessageConnection, readonly socket: net.Socket, readonly startedHost: boolean) {
        connection.onNotification(ServerStateNotification.type, (s) => this.push(this.states, s));
        connection.onNotification(HostInfoNotification.type, (i) => this.push(this.infos, i));
        connection.onRequest("client/registerCapability", () => null);
        connection.onRequest("workspace/configuration", () => []);
        connection.onRequest("gemma/definitionSnippets", () => []);
        this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
        connection.listen();
    }

    static async connect(options: HostClientOptions): Promise<HostClient> {
        // A host killed a moment ago may still hold its listening socket while the kernel tears it down: the connect
        // succeeds, nothing answers, and the connection is reset when the socket goes. vscode-languageclient restarts
        // on that close (its error handler), so this client connects again too, as many times as the extension would.
        let startedAny = false;
        for (let attempt = 1; ; attempt++) {
            const {socket, started} = await connectToHost({serverPath: path.join(repoRoot, "dist/server.js"), dir: options.dir,
                key: keyOf(options.settings), idleMs: options.idleMs, maxSequences: options.maxSequences, turns: options.turns});
            startedAny ||= started;
            const client = new HostClient(createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket)), socket, startedAny);
            const initialized = client.connection.sendRequest("initialize", {processId: process.pid, rootUri: null, capabilities: {},
                clientInfo: {name: "gemma-code-host-test"}, ...(options.locale ? {locale: options.locale} : {}), initializationOptions: {settings: {...options.settings,
                    completion: {debounceMs: 0, ...options.settings.completion}}}}).then(() => true, () => false);
            if (!await Promise.race([initialized, client.closed.then(() => false)])) {
                client.drop();
                if (attempt < 4) continue;
                throw new Error(`the host closed the connection before answering initialize, ${attempt} times`);
            }
            await client.connection.sendNotification("initialized", {});
            return client;
        }
    }

    /** Resolves when a state (already seen or future) matches. */
    waitForState(predicate: (s: ServerState) => boolean) {
        return this.waitFor(() => this.states.find(predicate));
    }

    waitForInfo(predicate: (i: HostInfo) => boolean) {
        return this.waitFor(() => [...this.infos].reverse().find(predicate));
    }

    hostInfo(): Promise<HostInfo> {
        return this.connection.sendRequest(GetHostInfoRequest.type);
    }

    open(uri: string, text: string, languageId = "typescript") {
        return this.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId, version: 1, text}});
    }

    change(uri: string, text: string, version: number) {
        return this.connection.sendNotification("textDocument/didChange", {textDocument: {uri, version}, contentChanges: [{text}]});
    }

    complete(uri: string, position: Position, token?: import("vscode-jsonrpc").CancellationToken): Promise<InlineCompletionList | null> {
        const params = {textDocument: {uri}, position, context: {triggerKind: 2}};
        return token ? this.connection.sendRequest("textDocument/inlineCompletion", params, token)
            : this.connection.sendRequest("textDocument/inlineCompletion", params);
    }

    /** shutdown + exit: the window leaves politely. */
    async leave() {
        await this.connection.sendRequest("shutdown");
        await this.connection.sendNotification("exit");
        await this.closed;
        this.connection.dispose();
    }

    /** The window vanishes without a word (its editor was killed). */
    drop() {
        this.connection.dispose();
        this.socket.destroy();
    }

    private push<T>(list: T[], item: T) {
        list.push(item);
        for (const w of this.waiters.splice(0)) w();
    }

    private waitFor<T>(find: () => T | undefined): Promise<T> {
        return new Promise((resolve) => {
            const check = () => {
                const found = find();
                if (found !== undefined) resolve(found);
                else this.waiters.push(check);
            };
            check();
        });
    }
}

export function keyOf(settings: Partial<ServerSettings>) {
    return hostKey(settingsFromInitializationOptions({settings}));
}

/** The pid in the host's lock file (undefined when no host holds it). */
export function hostPidFromLock(dir: string, settings: Partial<ServerSettings>): number | undefined {
    try {
        return (JSON.parse(fs.readFileSync(hostPaths(dir, keyOf(settings)).lock, "utf8")) as {pid: number}).pid;
    } catch {
        return undefined;
    }
}

/** Resolves when the process has exited (polled: it is not our child, the host is detached). */
export async function processGone(pid: number, timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            process.kill(pid, 0);
        } catch {
            return true;
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    return false;
}
