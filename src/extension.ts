// Activation: creates the one log, the language client, the status bar and the commands, and owns them all
// through context.subscriptions so that deactivation disposes everything.
import * as vscode from "vscode";
import type {HostInfo} from "../protocol/host";
import {type CompletionStats, ExplainParams, ExplainRequest, GetSystemInfoRequest, type ServerState} from "../protocol/lsp";
import {GpuBackendOffer} from "./backend/gpuBackendOffer";
import {registerChat, streamRequest} from "./chat";
import {ConversationHistory, type Conversation} from "./chat/history";
import {GemmaClient} from "./client";
import {offerModelSelection, registerCommands, registerRemoteApiKeyCommand, selectModelFile} from "./commands";
import {registerEditSelection} from "./edit/editSelection";
import {registerDownloadCommand} from "./model/downloadCommand";
import {loadRemoteApiKey, onDidChange, REMOTE_API_KEY_SECRET} from "./config";
import {registerExplainCommand} from "./review/explainCommand";
import {registerReviewCommands} from "./review/reviewCommands";
import {registerCommitMessage} from "./scm/commitMessage";
import {registerSnooze, SNOOZE_KEY} from "./snooze";
import {StatusBar} from "./statusBar";
import {showWalkthroughOnFirstRun} from "./walkthrough";

/** What activate() returns, for other extensions (and the extension-host tests, which use only this). */
export interface GemmaCodeApi {
    /** Resolves when the model is ready; rejects when it fails to load or none is configured. */
    whenModelReady(): Promise<ServerState>;
    /** Resolves with the first server state (the current one included) that matches. */
    waitForState(predicate: (s: ServerState) => boolean): Promise<ServerState>;
    state(): ServerState | undefined;
    /** This workspace's chat conversations as History lists them, newest first, with their messages. */
    conversations(): Conversation[];
    /** What the shared host last said (pid, windows it serves); undefined with a server of this window's own. */
    hostInfo(): HostInfo | undefined;
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
    let hostInfo: HostInfo | undefined;
    let lastStats: CompletionStats | undefined;
    let chat: ReturnType<typeof registerChat> | undefined;
    let gpuBackend: GpuBackendOffer | undefined;
    const client = new GemmaClient(context, log, {
        onState: (s) => {
            state = s;
            statusBar.setState(s);
            chat?.setState(s);
            if (s.status === "error") log.error(s.message);
            if (s.status === "ready" && s.engine !== "remote") gpuBackend?.onModelReady();
            if (s.status === "noModel" && s.engine !== "remote" && !offeredModel) {
                offeredModel = true;
                void offerModelSelection(() => client.languageClient?.sendRequest(GetSystemInfoRequest));
            }
            for (const l of stateListeners) l(s);
        },
        onStats: (s) => {
            lastStats = s;
            statusBar.setStats(s);
        },
        onHostInfo: (info) => {
            hostInfo = info;
            statusBar.setShared(info.windows);
        }
    });
    chat = registerChat(context, client, log);
    context.subscriptions.push(client, chat, ...registerCommands(client, log), ...registerReviewCommands(client, log),
        registerExplainCommand(client, chat, log), registerEditSelection(client, log), registerCommitMessage(client),
        ...registerSnooze(context, (until) => statusBar.setSnoozed(until)));
    showWalkthroughOnFirstRun(context);
    context.subscriptions.push(onDidChange(() => void client.sendSettings()));
    context.subscriptions.push(registerRemoteApiKeyCommand(context.secrets, client), context.secrets.onDidChange(async (e) => {
        // Another window changed the key: pick it up here too.
        if (e.key !== REMOTE_API_KEY_SECRET) return;
        await loadRemoteApiKey(context.secrets);
        await client.sendSettings();
    }));
    gpuBackend = new GpuBackendOffer({context, log, restartServer: () => client.restart(),
        systemInfo: () => client.languageClient?.sendRequest(GetSystemInfoRequest)});
    context.subscriptions.push(gpuBackend);
    context.subscriptions.push(registerDownloadCommand({
        context, log, selectModelFile,
        systemInfo: () => client.languageClient?.sendRequest(GetSystemInfoRequest)
    }));

    try {
        await loadRemoteApiKey(context.secrets);
        await client.start();
    } catch (error) {
        log.error(`The language server failed to start: ${error}`);
        void vscode.window.showErrorMessage(`Gemma Code: the language server failed to start (${error}).`, "Show Log")
            .then((c) => c && log.show());
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
        hostInfo: () => hostInfo,
        lastCompletionStats: () => lastStats,
        storedSnooze: () => context.globalState.get<number>(SNOOZE_KEY, 0),
        explain: (params, onDelta, signal = new AbortController().signal) => {
            const {partialResultToken: _ignored, ...rest} = params;
            return streamRequest(client.languageClient, ExplainRequest, rest, onDelta, signal);
        }
    };
}

export function deactivate() {
    // Everything is disposed through context.subscriptions; the client's stop() sends shutdown/exit.
}
