// Starts the Gemma Code language server as a child process and connects VS Code to it with
// vscode-languageclient. Inline completions arrive through the client's built-in LSP 3.18 inlineCompletion
// support; the middleware adds per-language switches and snoozing (the server debounces, for every LSP client).
import * as vscode from "vscode";
import {
    CloseAction, DidChangeConfigurationNotification, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind
} from "vscode-languageclient/node";
import {
    BACKENDS_DIR_ENV, ClientCommands, CompletionStats, CompletionStatsNotification, DefinitionSnippetsRequest, EXPERIMENTAL_CAPABILITY,
    GemmaClientCapabilities, GetServerStateRequest, ServerState, ServerStateNotification
} from "../protocol/lsp";
import {backendsDir} from "./backend/gpuBackendPackage";
import {HostInfo, HostInfoNotification, HostRestartingNotification, RestartHostRequest} from "../protocol/host";
import {completionEnabledFor, redactApiKey, serverSettings} from "./config";
import {CrashSupervisor} from "./crashSupervisor";
import {definitionSnippets} from "./definitions";
import {confirmHostRestart, currentHostKey, sharedHostServerOptions, usesSharedHost} from "./hostConnection";
import {completionsSnoozed} from "./snooze";
import * as l10n from "./l10n";

export interface ClientEvents {
    onState(state: ServerState): void;
    onStats(stats: CompletionStats): void;
    /** The shared host says how many windows it serves (never called without one). */
    onHostInfo?(info: HostInfo): void;
    /** The language server is starting or running (its client takes requests), or it stopped (on purpose, or it died). */
    onRunning?(running: boolean): void;
}

export class GemmaClient implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private readonly crashes = new CrashSupervisor();
    private restartTimer: NodeJS.Timeout | undefined;
    /** True while we stop the server on purpose, so its exit is not taken for a crash. */
    private stopping = false;
    private disposed = false;
    /** The server's last reported state (what a failed request's message offers depends on it). */
    serverState: ServerState | undefined;
    private readonly events: ClientEvents;
    /** Shared host mode: the key of the host this window is connected to, and what it last said. */
    private hostKey: string | undefined;
    private hostInfo: HostInfo | undefined;
    /** The host said it is restarting (Restart Server in some window): reconnect at once, not as after a crash. */
    private hostRestarting = false;

    constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel,
                events: ClientEvents) {
        this.events = {...events, onState: (s) => {
            this.serverState = s;
            events.onState(s);
        }};
    }

    get languageClient() {
        return this.client;
    }

    async start() {
        const serverModule = this.context.asAbsolutePath("dist/server.js");
        // TransportKind.ipc forks with the extension host's runtime (ELECTRON_RUN_AS_NODE on desktop).
        // GPU backends fetched on demand (src/backend/) live in global storage; the server looks there too.
        const env = {...process.env, [BACKENDS_DIR_ENV]: backendsDir(this.context.globalStorageUri.fsPath)};
        this.hostKey = usesSharedHost() ? currentHostKey() : undefined;
        const serverOptions: ServerOptions = this.hostKey ? sharedHostServerOptions(serverModule, this.log, env) : {
            run: {module: serverModule, transport: TransportKind.ipc, options: {env}},
            debug: {module: serverModule, transport: TransportKind.ipc, options: {env, execArgv: ["--nolazy", "--inspect=6011"]}}
        };
        const clientOptions: LanguageClientOptions = {
            // Notebook cells too (Jupyter…): the server syncs their notebooks (LSP notebook sync) for the cells above.
            documentSelector: [{scheme: "file"}, {scheme: "untitled"}, {scheme: "vscode-notebook-cell"}],
            initializationOptions: {settings: serverSettings()},
            // One log for the extension and the server (the server's window/logMessage lands here too). The
            // protocol trace would show the remote API key in initializationOptions: it is redacted.
            outputChannel: redacting(this.log),
            traceOutputChannel: redacting(this.log),
            // Our own policy instead of the client's (restart at once, 4 times, then a modal): see onServerClosed.
            errorHandler: {
                error: () => ({action: ErrorAction.Continue, handled: true}),
                closed: () => {
                    this.onServerClosed();
                    return {action: CloseAction.DoNotRestart, handled: true};
                }
            },
            middleware: {
                // The server waits for the user to pause (completion.debounceMs); VS Code cancels the request
                // ($/cancelRequest) when the next keystroke comes, which ends that wait.
                provideInlineCompletionItems: (document, position, context, token, next) => {
                    if (!completionEnabledFor(document.languageId) || completionsSnoozed()) return null;
                    return next(document, position, context, token);
                }
            }
        };
        const client = this.client = new LanguageClient("gemmaCode", "Gemma Code", serverOptions, clientOptions);
        // Starting counts: a request sent while the client starts waits for it (as streamRequest's needsStop()).
        client.onDidChangeState((e) => {
            if (this.client === client) this.events.onRunning?.(e.newState !== State.Stopped);
        });
        this.client.onNotification(ServerStateNotification.type, (s) => {
            // A server that reports its state runs, whichever of this and the state change comes first.
            this.events.onRunning?.(true);
            this.events.onState(s);
        });
        this.client.onNotification(CompletionStatsNotification.type, (s) => this.events.onStats(s));
        this.client.onRequest(DefinitionSnippetsRequest.type, (params) => definitionSnippets(params));
        // Tells the server that this client runs gemmaCode.explain (the chat panel): its code actions may use it.
        this.client.registerFeature({
            fillClientCapabilities: (capabilities) => {
                capabilities.experimental = {...(capabilities.experimental as object | undefined),
                    [EXPERIMENTAL_CAPABILITY]: {clientCommands: [ClientCommands.explain]} satisfies GemmaClientCapabilities};
            },
            initialize: () => undefined,
            getState: () => ({kind: "static"}),
            clear: () => undefined
        });
        this.client.onNotification(HostInfoNotification.type, (info) => {
            this.hostInfo = info;
            this.events.onHostInfo?.(info);
        });
        this.client.onNotification(HostRestartingNotification.type, () => {
            this.hostRestarting = true;
        });
        await this.client.start();
        this.events.onState(await this.client.sendRequest(GetServerStateRequest.type));
    }

    /** The server died: requests in flight have already failed; restart with backoff, tell the user once. */
    private onServerClosed() {
        if (this.stopping || this.disposed) return;
        this.events.onRunning?.(false);
        if (this.hostRestarting) {
            this.hostRestarting = false;
            this.log.info("The shared server is restarting; reconnecting.");
            this.events.onState({status: "loading", message: l10n.t("The shared Gemma Code server is restarting…")});
            this.restartTimer = setTimeout(() => void this.replaceClient().catch((e) => this.log.error(`reconnect failed: ${e}`)), 100);
            return;
        }
        const decision = this.crashes.onCrash();
        if (decision.delayMs === undefined) {
            this.log.error("The language server keeps crashing; not restarting it again automatically.");
            this.events.onState({status: "error", message: l10n.t("The Gemma Code server keeps crashing: see the log, then use Restart Server.")});
            if (decision.notify) {
                const showLog = l10n.t("Show Log"), restart = l10n.t("Restart Server");
                void vscode.window.showErrorMessage(l10n.t("Gemma Code's language server keeps crashing."), showLog, restart)
                    .then((c) => c === showLog ? this.log.show() : c === restart && this.restart());
            }
            return;
        }
        this.log.warn(`The language server stopped unexpectedly; restarting in ${decision.delayMs} ms.`);
        this.events.onState({status: "loading", message: l10n.t("The Gemma Code server stopped unexpectedly; restarting…")});
        if (decision.notify) {
            void vscode.window.showWarningMessage(l10n.t("Gemma Code's language server stopped unexpectedly and is being restarted."), l10n.t("Show Log"))
                .then((c) => c && this.log.show());
        }
        clearTimeout(this.restartTimer);
        this.restartTimer = setTimeout(() => {
            void this.replaceClient().catch((e) => this.log.error(`restart failed: ${e}`));
        }, decision.delayMs);
    }

    /** Starts a new client after a crash; documents and settings are sent again by start(). */
    private async replaceClient() {
        if (this.disposed) return;
        const old = this.client;
        this.client = undefined;
        await old?.dispose().catch(() => undefined);
        await this.start();
    }

    /**
     * Pushes the current settings to the server (it reloads the model when the file changed). `mayMoveServer`: the
     * change touched a setting that chooses the server process (config.ts affectsServerProcess).
     */
    async sendSettings(mayMoveServer = true) {
        if (this.client?.state !== State.Running) return;
        // Another model (or sharing switched): this window moves to the host for it, or to a server of its own.
        if (mayMoveServer && this.hostKey !== (usesSharedHost() ? currentHostKey() : undefined)) return this.reconnect();
        await this.client.sendNotification(DidChangeConfigurationNotification.type, {settings: serverSettings()});
    }

    /** VS Code range → LSP range, through the client's converter (one place that knows both shapes). */
    toProtocolRange(range: vscode.Range) {
        return {start: {line: range.start.line, character: range.start.character}, end: {line: range.end.line, character: range.end.character}};
    }

    async restart() {
        this.crashes.reset();
        clearTimeout(this.restartTimer);
        if (this.hostKey && this.client?.state === State.Running) {
            // The shared host restarts for every window (they all reconnect), after asking when others use it.
            if (!await confirmHostRestart((this.hostInfo?.windows ?? 1) - 1)) return;
            await this.client.sendRequest(RestartHostRequest.type).catch((e) => this.log.error(`restart: ${e}`));
            return;
        }
        await this.reconnect();
    }

    private async reconnect() {
        await this.stop();
        await this.start();
    }

    async stop() {
        const client = this.client;
        this.client = undefined;
        this.events.onRunning?.(false);
        this.stopping = true;
        try {
            if (client && client.state !== State.Stopped) await client.stop(5000).catch((e) => this.log.error(`stop: ${e}`));
            await client?.dispose().catch(() => undefined);
        } finally {
            this.stopping = false;
        }
    }

    dispose() {
        this.disposed = true;
        clearTimeout(this.restartTimer);
        void this.stop();
    }
}

/** The channel with every string argument passed through redactApiKey. */
function redacting(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
    return new Proxy(channel, {
        get(target, property) {
            const value = Reflect.get(target, property, target) as unknown;
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target,
                args.map((a) => typeof a === "string" ? redactApiKey(a) : a));
        }
    });
}
