// Activation: creates the one log, the language client, the status bar and the composition root (ctx.ts) with
// the commands, and owns them all through context.subscriptions so that deactivation disposes everything.
import * as vscode from "vscode";
import {type CompletionStats, ExplainParams, ExplainRequest, GetSystemInfoRequest, type ServerState} from "../protocol/lsp";
import {GpuBackendOffer} from "./backend/gpuBackendOffer";
import {registerChat, streamRequest} from "./chat";
import {ConversationHistory, type Conversation} from "./chat/history";
import {GemmaClient} from "./client";
import {generalCommands, offerModelSelection, registerRemoteApiKeyCommand, selectModelFile} from "./commands";
import {Ctx, type CommandHost} from "./ctx";
import {registerEditSelection} from "./edit/editSelection";
import {registerDownloadCommand} from "./model/downloadCommand";
import {affectsServerProcess, loadRemoteApiKey, onDidChange, REMOTE_API_KEY_SECRET} from "./config";
import {explainCommand} from "./review/explainCommand";
import {reviewCommands} from "./review/reviewCommands";
import {commitMessageCommand} from "./scm/commitMessage";
import {registerSnooze, SNOOZE_KEY} from "./snooze";
import {StatusBar} from "./statusBar";
import {showWalkthroughOnFirstRun} from "./walkthrough";
import * as l10n from "./l10n";

/**
 * What activate() returns, for other extensions: the model's state (to wait for it before asking), the chat history
 * (to export or search it) and explanations streamed through our client. The extension-host tests use only this; it
 * exposes no client, test hook or internal object, and what no extension could use (the shared host's info) is gone.
 */
export interface GemmaCodeApi {
    /** Resolves when the model is ready; rejects when it fails to load or none is configured. */
    whenModelReady(): Promise<ServerState>;
    /** Resolves with the first server state (the current one included) that matches. */
    waitForState(predicate: (s: ServerState) => boolean): Promise<ServerState>;
    state(): ServerState | undefined;
    /** This workspace's chat conversations as History lists them, newest first, with their messages. */
    conversations(): Conversation[];
    /** The last gemma/completionStats the server sent (what the status bar's speed shows). */
    lastCompletionStats(): CompletionStats | undefined;
    /** When the snooze ends, as stored in global state (what the next window reload starts from); 0 = not snoozed. */
    storedSnooze(): number;
    /** Streams an explanation from gemma/explain (what "Explain with Gemma" shows in the chat panel). */
    explain(params: ExplainParams, onDelta: (text: string) => void, signal?: AbortSignal): Promise<string>;
}

export async function activate(context: vscode.ExtensionContext): Promise<GemmaCodeApi> {
    const log = vscode.window.createOutputChannel("Gemma Code", {log: true});
    context.subscriptions.push(log);
    const statusBar = new StatusBar();
    context.subscriptions.push(statusBar);

    let state: ServerState | undefined;
    const stateListeners = new Set<(s: ServerState) => void>();
    let offeredModel = false;
    let lastStats: CompletionStats | undefined;
    let chat: ReturnType<typeof registerChat> | undefined;
    let gpuBackend: GpuBackendOffer | undefined;
    let ctx: Ctx | undefined;
    const client = new GemmaClient(context, log, {
        onState: (s) => {
            state = s;
            statusBar.setState(s);
            chat?.setState(s);
            if (s.status === "error") log.error(s.message);
            if (s.status === "ready" && s.engine !== "remote") gpuBackend?.onModelReady();
            if (s.status === "noModel" && s.engine !== "remote" && !offeredModel) {
                offeredModel = true;
                void offerModelSelection(() => client.languageClient?.sendRequest(GetSystemInfoRequest.type));
            }
            for (const l of stateListeners) l(s);
        },
        onStats: (s) => {
            lastStats = s;
            statusBar.setStats(s);
        },
        onHostInfo: (info) => statusBar.setShared(info.windows),
        onRunning: (running) => ctx?.setServerRunning(running)
    });
    ctx = new Ctx(context, log, client, vscodeCommandHost);
    chat = registerChat(context, client, log);
    const editSelection = registerEditSelection(log);
    ctx.registerCommands({...generalCommands(), ...reviewCommands(), ...explainCommand(chat), ...editSelection.commands,
        ...commitMessageCommand()});
    context.subscriptions.push(ctx, client, chat, editSelection.disposable, ...registerSnooze(context, (until) => statusBar.setSnoozed(until)));
    showWalkthroughOnFirstRun(context);
    context.subscriptions.push(onDidChange((e) => void client.sendSettings(affectsServerProcess(e))));
    context.subscriptions.push(registerRemoteApiKeyCommand(context.secrets, client), context.secrets.onDidChange(async (e) => {
        // Another window changed the key: pick it up here too.
        if (e.key !== REMOTE_API_KEY_SECRET) return;
        await loadRemoteApiKey(context.secrets);
        await client.sendSettings();
    }));
    gpuBackend = new GpuBackendOffer({context, log, restartServer: () => client.restart(),
        systemInfo: () => client.languageClient?.sendRequest(GetSystemInfoRequest.type)});
    context.subscriptions.push(gpuBackend);
    context.subscriptions.push(registerDownloadCommand({
        context, log, selectModelFile,
        systemInfo: () => client.languageClient?.sendRequest(GetSystemInfoRequest.type)
    }));

    try {
        await loadRemoteApiKey(context.secrets);
        await client.start();
    } catch (error) {
        log.error(`The language server failed to start: ${error}`);
        const showLog = l10n.t("Show Log");
        void vscode.window.showErrorMessage(l10n.t("Gemma Code: the language server failed to start ({0}).",
            error instanceof Error ? l10n.fromShared(error.message) : String(error)), showLog)
            .then((c) => c === showLog && log.show());
    }

    return {
        whenModelReady: () => new Promise((resolve, reject) => {
            const check = (s: ServerState) => {
                if (s.status === "ready") resolve(s);
                else if (s.status === "error" || s.status === "noModel") reject(new Error(s.message));
                else return;
                stateListeners.delete(check);
            };
            stateListeners.add(check);
            if (state) check(state);
        }),
        waitForState: (predicate) => new Promise((resolve) => {
            if (state && predicate(state)) return resolve(state);
            const check = (s: ServerState) => {
                if (!predicate(s)) return;
                stateListeners.delete(check);
                resolve(s);
            };
            stateListeners.add(check);
        }),
        state: () => state,
        conversations: () => {
            const history = new ConversationHistory(context.workspaceState);
            return history.list().map((c) => history.get(c.id)!).filter(Boolean);
        },
        lastCompletionStats: () => lastStats,
        storedSnooze: () => context.globalState.get<number>(SNOOZE_KEY, 0),
        explain: (params, onDelta, signal = new AbortController().signal) => {
            const {partialResultToken: _ignored, ...rest} = params;
            return streamRequest(client.languageClient, ExplainRequest.type, rest, onDelta, signal);
        }
    };
}

const vscodeCommandHost: CommandHost = {
    registerCommand: (id, handler) => vscode.commands.registerCommand(id, handler),
    setContext: (key, value) => void vscode.commands.executeCommand("setContext", key, value),
    showNotRunning: (log) => {
        const showLog = l10n.t("Show Log");
        void vscode.window.showErrorMessage(l10n.t("Gemma Code: the language server is not running."), showLog)
            .then((c) => c === showLog && log.show());
    }
};

export function deactivate() {
    // Everything is disposed through context.subscriptions; the client's stop() sends shutdown/exit.
}
