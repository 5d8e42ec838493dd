// "Gemma Code: Write Commit Message": gemma/commitMessage describes the staged changes of a repository and the
// message streams into the Source Control input box (a button in the Source Control view's title bar, and the
// command). VS Code's git extension gives the repositories and their input boxes; the server runs git itself.
// Cancel (in the progress notification) stops the model and keeps what was written, or restores the box.
import * as vscode from "vscode";
import {Commands, CommitMessageRequest, ErrorCodes} from "../../protocol/lsp";
import {streamRequest} from "../chat";
import type {CommandFactory} from "../ctx";
import * as l10n from "../l10n";

/** The part of the git extension's API (vscode.git, API version 1) used here. */
interface GitRepository {
    rootUri: vscode.Uri;
    inputBox: {value: string};
}
interface GitApi {
    repositories: GitRepository[];
}

async function gitApi(): Promise<GitApi | undefined> {
    const extension = vscode.extensions.getExtension<{getAPI(version: 1): GitApi}>("vscode.git");
    if (!extension) return undefined;
    const exports = extension.isActive ? extension.exports : await extension.activate();
    return exports.getAPI(1);
}

/** The repository the command was run for: the SCM view passes its source control (with rootUri), else the active file's. */
function pickRepository(api: GitApi, arg: unknown): GitRepository | undefined {
    const root = (arg as {rootUri?: vscode.Uri} | undefined)?.rootUri?.toString();
    if (root) return api.repositories.find((r) => r.rootUri.toString() === root);
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    return api.repositories.find((r) => active?.startsWith(r.rootUri.toString() + "/")) ?? api.repositories[0];
}

/** "Write Commit Message"; it needs the language server (see ctx.ts). */
export function commitMessageCommand(): Record<string, CommandFactory> {
    return {[Commands.writeCommitMessage]: {enabled: ({client}) => async (arg?: unknown) => {
        const api = await gitApi();
        const repo = api && pickRepository(api, arg);
        if (!repo) return void vscode.window.showWarningMessage(l10n.t("Gemma Code: no git repository is open."));
        const previous = repo.inputBox.value;
        let streamed = "";
        try {
            const result = await vscode.window.withProgress(
                {location: vscode.ProgressLocation.Notification, title: l10n.t("Gemma is writing the commit message…"), cancellable: true},
                (_progress, token) => {
                    const abort = new AbortController();
                    token.onCancellationRequested(() => abort.abort());
                    return streamRequest(client.languageClient, CommitMessageRequest.type, {rootUri: repo.rootUri.toString()}, (delta) => {
                        streamed += delta;
                        repo.inputBox.value = streamed.trimStart();
                    }, abort.signal);
                });
            repo.inputBox.value = result.message || previous;
        } catch (error) {
            const e = error as {code?: number; message?: string};
            if (e.code === ErrorCodes.RequestCancelled) {
                if (!streamed.trim()) repo.inputBox.value = previous;
                return;
            }
            repo.inputBox.value = previous;
            void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0}", e.message ?? String(error)));
        }
    }}};
}
