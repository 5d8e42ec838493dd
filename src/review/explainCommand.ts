// "Explain with Gemma": for a diagnostic from any extension (offered as a code action by the server) or for the
// selection. The explanation streams from gemma/explain into the chat panel, where the user can follow up.
import path from "node:path";
import * as vscode from "vscode";
import {Commands, Diagnostic, ExplainRequest, Range} from "../../protocol/lsp";
import type {Chat} from "../chat";
import {streamRequest} from "../chat";
import type {CommandFactory} from "../ctx";
import {offerModelAfterFailure} from "../requestErrors";
import * as l10n from "../l10n";

interface ExplainArgs {
    uri: string;
    range: Range;
    diagnostic?: Diagnostic;
}

/** "Explain with Gemma"; it needs the language server (see ctx.ts). */
export function explainCommand(chat: Chat): Record<string, CommandFactory> {
    return {[Commands.explain]: {enabled: ({client, log}) => async (args?: ExplainArgs) => {
        if (!args) {
            const editor = vscode.window.activeTextEditor;
            if (!editor || editor.selection.isEmpty) {
                return void vscode.window.showInformationMessage(l10n.t("Select code, or use the light bulb on a problem, to explain it with Gemma."));
            }
            args = {uri: editor.document.uri.toString(), range: client.toProtocolRange(editor.selection)};
        }
        const file = path.basename(vscode.Uri.parse(args.uri).fsPath);
        const where = `${file}:${args.range.start.line + 1}`;
        const title = args.diagnostic ? l10n.t("Explain: {0} ({1})", typeof args.diagnostic.message === "string" ? args.diagnostic.message : args.diagnostic.message.value, where) : l10n.t("Explain the selected code in {0}", where);
        const params = {textDocument: {uri: args.uri}, range: args.range, diagnostic: args.diagnostic};
        await chat.showExplanation(title, (onDelta, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            return streamRequest(client.languageClient, ExplainRequest.type, params, onDelta, abort.signal).catch((error: unknown) => {
                offerModelAfterFailure(client, log);
                throw error;
            });
        });
    }}};
}
