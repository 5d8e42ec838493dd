// Review Current File, Review Selection and Review Changes: each sends gemma/review to the language server under
// a cancellable progress notification. The comments come back as diagnostics (the server publishes them); the
// quick fixes (Apply, Dismiss, Explain) are code actions from the server too.
import path from "node:path";
import * as vscode from "vscode";
import {Commands, ErrorCodes, Range, ReviewRequest, ReviewResult} from "../../protocol/lsp";
import {gitChanges, gitRoot, stagedText} from "../../common/gitDiff";
import {showRequestError} from "../requestErrors";
import {reviewSummary} from "./reviewSummary";
import type {GemmaClient} from "../client";
import type {CommandFactory, Ctx} from "../ctx";
import * as l10n from "../l10n";

/** The review commands; they need the language server (see ctx.ts). */
export function reviewCommands(): Record<string, CommandFactory> {
    return {
        [Commands.reviewFile]: {enabled: ({client, log}: Ctx) => async (uri?: vscode.Uri) => {
            const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
            if (!doc) return void vscode.window.showInformationMessage(l10n.t("Open a file to review it with Gemma."));
            return reviewDocuments(client, log, l10n.t("Gemma: Reviewing {0}", path.basename(doc.fileName)), [{doc}]);
        }},
        [Commands.reviewSelection]: {enabled: ({client, log}: Ctx) => async () => {
            const editor = vscode.window.activeTextEditor;
            if (!editor || editor.selection.isEmpty) return void vscode.window.showInformationMessage(l10n.t("Select some code to review it with Gemma."));
            const range = client.toProtocolRange(editor.selection);
            return reviewDocuments(client, log, l10n.t("Gemma: Reviewing the selection"), [{doc: editor.document, range}]);
        }},
        [Commands.reviewChanges]: {enabled: ({client, log}: Ctx) => async (staged?: boolean) => {
            // The active file's folder, else the first one: an untitled editor or a file outside the workspace is
            // active as often as not, and the user still means the workspace's changes.
            const active = vscode.window.activeTextEditor?.document.uri;
            const folder = (active && vscode.workspace.getWorkspaceFolder(active)) || vscode.workspace.workspaceFolders?.[0];
            if (!folder) return void vscode.window.showInformationMessage(l10n.t("Open a folder in a git repository to review its changes."));
            // Asked before "which changes?": there are none to pick from outside a repository.
            if (!await gitRoot(folder.uri.fsPath)) {
                const choice = await vscode.window.showInformationMessage(
                    l10n.t("Review Changes needs a git repository, and {0} is not in one. Review Current File reviews a whole file.", folder.name),
                    l10n.t("Review Current File"));
                if (choice) await vscode.commands.executeCommand(Commands.reviewFile);
                return;
            }
            if (staged === undefined) {
                const pick = await vscode.window.showQuickPick([
                    {label: l10n.t("Working tree changes"), staged: false}, {label: l10n.t("Staged changes"), staged: true}
                ], {title: l10n.t("Review which changes?")});
                if (!pick) return;
                staged = pick.staged;
            }
            let changes;
            try {
                changes = await gitChanges(folder.uri.fsPath, staged);
            } catch (error) {
                return void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0}", error instanceof Error ? l10n.fromShared(error.message) : String(error)));
            }
            if (changes.files.length === 0) return void vscode.window.showInformationMessage(staged ? l10n.t("No staged changes to review.") : l10n.t("No unstaged changes to review."));
            const targets: ReviewTarget[] = [];
            for (const file of changes.files) {
                const uri = vscode.Uri.file(path.join(changes.root, file.path));
                // Comments are shown in the working-tree file; a file staged and then deleted has none to show them in.
                const doc = await vscode.workspace.openTextDocument(uri).then((d) => d, () => undefined);
                if (!doc) continue;
                // Staged hunks count the lines of the staged text: that is what is reviewed (the server places the
                // comments where those lines are in the editor).
                const text = staged ? await stagedText(changes.root, file.path) : undefined;
                const lineCount = text === undefined ? doc.lineCount : text.split(/\r?\n/).length;
                for (const r of file.ranges) {
                    const end = Math.min(r.end, lineCount);
                    if (r.start < end) targets.push({doc, text, range: {start: {line: r.start, character: 0}, end: {line: end, character: 0}}});
                }
            }
            return reviewDocuments(client, log, staged ? l10n.t("Gemma: Reviewing staged changes") : l10n.t("Gemma: Reviewing working tree changes"), targets);
        }}
    };
}

interface ReviewTarget {
    doc: vscode.TextDocument;
    range?: Range;
    /** The version to review instead of the editor's text (the staged one). */
    text?: string;
}

async function reviewDocuments(client: GemmaClient, log: vscode.LogOutputChannel, title: string,
                               targets: ReviewTarget[]): Promise<ReviewResult[] | undefined> {
    const lc = client.languageClient!;
    const results: ReviewResult[] = [];
    try {
        await vscode.window.withProgress({location: vscode.ProgressLocation.Notification, title, cancellable: true},
            async (progress, token) => {
                for (const [i, t] of targets.entries()) {
                    if (token.isCancellationRequested) break;
                    if (targets.length > 1) progress.report({message: l10n.t("{0}/{1} {2}", l10n.formatNumber(i + 1), l10n.formatNumber(targets.length), path.basename(t.doc.fileName)), increment: 100 / targets.length});
                    // Cancel in the notification → $/cancelRequest → the server stops generating.
                    results.push(await lc.sendRequest(ReviewRequest.type, {textDocument: {uri: t.doc.uri.toString()}, range: t.range, text: t.text}, token));
                }
            });
    } catch (error) {
        if (isCancelled(error)) return results;
        showRequestError(l10n.t("review failed"), error, client, log);
        return results;
    }
    const count = results.reduce((n, r) => n + r.comments.length, 0);
    void vscode.window.showInformationMessage(reviewSummary(results), ...(count ? [l10n.t("Show Problems")] : []))
        .then((c) => c && vscode.commands.executeCommand("workbench.actions.view.problems"));
    return results;
}

function isCancelled(error: unknown) {
    return typeof error === "object" && error !== null && (error as {code?: number}).code === ErrorCodes.RequestCancelled
        || error instanceof vscode.CancellationError;
}
