// Sends `gemma/chat` (or any request that streams string partial results, like `gemma/explain`) through the
// language client. The server reports partial results as `$/progress` for our partialResultToken, each value a
// string to append; Stop cancels the request ($/cancelRequest) and the server then answers with what it
// generated so far.
import {randomUUID} from "node:crypto";
import * as vscode from "vscode";
import type {LanguageClient, ProtocolRequestType} from "vscode-languageclient/node";
import {ChatRequest, type ChatMessage, type ChatResult} from "../../protocol/lsp";
import type {ContextItem} from "./chatController";
import * as l10n from "../l10n";

export async function sendChat(client: LanguageClient | undefined,
                               request: {messages: ChatMessage[]; context: ContextItem[]},
                               onDelta: (text: string) => void, signal: AbortSignal): Promise<ChatResult> {
    const params = {messages: request.messages, ...(request.context.length ? {context: request.context} : {})};
    return streamRequest(client, ChatRequest.type, params, onDelta, signal);
}

/** Sends `type` with a fresh partialResultToken, passing each string partial result to onDelta. */
export async function streamRequest<P extends {partialResultToken?: string | number}, R>(
    client: LanguageClient | undefined, type: ProtocolRequestType<P, R, string, void, void>,
    params: Omit<P, "partialResultToken">, onDelta: (text: string) => void, signal: AbortSignal): Promise<R> {
    // needsStop: starting or running (a request made while it starts waits for it).
    if (!client?.needsStop()) {
        throw new Error(l10n.t("The Gemma Code language server is not running. Run “Gemma Code: Restart Server” and try again."));
    }
    const partialResultToken = `gemma-${randomUUID()}`;
    const cancel = new vscode.CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    signal.addEventListener("abort", onAbort, {once: true});
    // A ProtocolRequestType is also the ProgressType of its partial results.
    const progress = client.onProgress(type, partialResultToken, (delta) => {
        if (typeof delta === "string") onDelta(delta);
    });
    try {
        if (signal.aborted) cancel.cancel();
        // RequestParam<P> is P for any object P; TypeScript cannot see that for a generic one.
        const full = {...params, partialResultToken} as P extends null ? never : P;
        return await client.sendRequest(type, full, cancel.token);
    } finally {
        progress.dispose();
        signal.removeEventListener("abort", onAbort);
        cancel.dispose();
    }
}
