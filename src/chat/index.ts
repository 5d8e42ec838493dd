// The chat side panel (issue 5): registers the webview view, its commands and the Apply-to-File diff support,
// and returns what the rest of the extension uses: the model state line and explanations shown in the panel.
import {offerModelAfterFailure} from "../requestErrors";
import {randomUUID} from "node:crypto";
import * as vscode from "vscode";
import {type ChatResult, Commands, type ServerState} from "../../protocol/lsp";
import type {GemmaClient} from "../client";
import {ChatContext} from "./chatContext";
import {ChatController} from "./chatController";
import {ChatViewProvider, CHAT_VIEW_ID} from "./chatViewProvider";
import {sendChat} from "./chatSession";
import {runCodeAction} from "./codeActions";
import {trackEditors} from "./editors";
import {ConversationHistory} from "./history";
import {Proposals} from "./proposals";

export {streamRequest} from "./chatSession";

/**
 * Streams an explanation: call onDelta with each piece of markdown as it arrives; resolve with the whole text
 * (or a ChatResult, or nothing to keep the streamed text). `token` is cancelled when the user presses Stop.
 */
export type ExplanationProducer = (onDelta: (text: string) => void, token: vscode.CancellationToken)
    => Thenable<string | ChatResult | void>;

export interface Chat extends vscode.Disposable {
    /** Updates the panel's model state line; call it from GemmaClient's onState. */
    setState(state: ServerState): void;
    /**
     * Reveals the panel and shows a new conversation: `title` as the user's message, then the streamed
     * explanation as Gemma's reply. The user can ask follow-up questions. Resolves when the stream has ended.
     */
    showExplanation(title: string, produce: ExplanationProducer): Promise<void>;
    reveal(): Promise<void>;
}

export function registerChat(context: vscode.ExtensionContext, client: GemmaClient,
                             log: vscode.LogOutputChannel): Chat {
    const chatContext = new ChatContext();
    const proposals = new Proposals(log);
    let controller: ChatController | undefined;
    const provider = new ChatViewProvider(context.extensionUri, log, (m) => controller!.handle(m));
    controller = new ChatController({
        post: (m) => provider.post(m),
        history: new ConversationHistory(context.workspaceState),
        chat: (request, onDelta, signal) => sendChat(client.languageClient, request, onDelta, signal).catch((error: unknown) => {
            offerModelAfterFailure(client, log);
            throw error;
        }),
        context: chatContext,
        codeAction: (action, code) => runCodeAction(action, code, proposals),
        log: (m) => log.warn(m),
        newId: () => randomUUID()
    });
    const chat = controller;
    chatContext.onChange = () => chat.postContext();
    const reveal = () => provider.reveal();

    const disposables: vscode.Disposable[] = [
        chatContext,
        proposals,
        trackEditors(),
        vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, provider),
        vscode.commands.registerCommand(Commands.focusChat, reveal),
        vscode.commands.registerCommand(Commands.newChat, async () => {
            await chat.newChat();
            await reveal();
        })
    ];

    return {
        setState: (state) => chat.setState(state),
        showExplanation: async (title, produce) => {
            const shown = chat.showReply(title, (onDelta, signal) => {
                const cancel = new vscode.CancellationTokenSource();
                signal.addEventListener("abort", () => cancel.cancel(), {once: true});
                if (signal.aborted) cancel.cancel();
                return Promise.resolve(produce(onDelta, cancel.token)).finally(() => cancel.dispose());
            });
            await reveal();
            await shown;
        },
        reveal,
        dispose: () => {
            chat.stop();
            for (const d of disposables) d.dispose();
        }
    };
}
