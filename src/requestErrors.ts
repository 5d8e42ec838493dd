// A failed request (review, chat, explain) told to the user with a way forward: with no model loaded that is
// Download or Select a model, not only the log.
import * as vscode from "vscode";
import {Commands} from "../protocol/lsp";
import type {GemmaClient} from "./client";
import * as l10n from "./l10n";

const DOWNLOAD = () => l10n.t("Download Model…");
const SELECT = () => l10n.t("Select Model File…");
const SHOW_LOG = () => l10n.t("Show Log");

/** The error message of a failed request, with Download / Select when no model is configured. */
export function showRequestError(what: string, error: unknown, client: GemmaClient, log: vscode.LogOutputChannel) {
    const message = error instanceof Error ? error.message : String(error);
    const actions = noModel(client) ? [DOWNLOAD(), SELECT(), SHOW_LOG()] : [SHOW_LOG()];
    void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0}: {1}", what, message), ...actions).then((c) => act(c, log));
}

/** For a failure shown elsewhere (the chat panel shows its own error): offer a model when that is the cause. */
export function offerModelAfterFailure(client: GemmaClient, log: vscode.LogOutputChannel) {
    if (!noModel(client)) return;
    void vscode.window.showWarningMessage(l10n.t("Gemma Code has no model yet: download Gemma or select a GGUF file you have."), DOWNLOAD(), SELECT())
        .then((c) => act(c, log));
}

function noModel(client: GemmaClient) {
    return client.serverState?.status === "noModel" && client.serverState.engine !== "remote";
}

function act(choice: string | undefined, log: vscode.LogOutputChannel) {
    if (choice === DOWNLOAD()) void vscode.commands.executeCommand(Commands.downloadModel);
    else if (choice === SELECT()) void vscode.commands.executeCommand(Commands.selectModelFile);
    else if (choice === SHOW_LOG()) log.show();
}
