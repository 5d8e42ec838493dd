// "Gemma Code: Edit Selection…": the user types an instruction, gemma/edit streams the new text of the selection,
// and VS Code's diff editor shows the file with it (updating while it streams). Nothing changes until Accept (the
// diff's title bar, or the notification when it is ready), and then only through one WorkspaceEdit: undoable. If the
// file was edited in between, the range is re-based over edits outside it, or the edit is refused.
import * as vscode from "vscode";
import {rebaseRange} from "../../common/rebaseRange";
import {Commands, EditRequest, EditResult, ErrorCodes} from "../../protocol/lsp";
import {streamRequest} from "../chat";
import type {GemmaClient} from "../client";
import type {CommandFactory} from "../ctx";
import * as l10n from "../l10n";

export const EDIT_SCHEME = "gemma-edit";

interface PendingEdit {
    target: vscode.Uri;
    /** The target's text and version the range refers to. */
    base: string;
    version: number;
    range: {start: number; end: number};
    newText: string;
    /** True once the server has answered: only then can it be accepted. */
    done: boolean;
}

/**
 * The diff content provider and Accept/Reject (registered here), and Edit Selection, which needs the language server
 * (a factory for ctx.ts).
 */
export function registerEditSelection(log: vscode.LogOutputChannel): {disposable: vscode.Disposable; commands: Record<string, CommandFactory>} {
    const edits = new Map<string, PendingEdit>();
    const changed = new vscode.EventEmitter<vscode.Uri>();
    let next = 1;

    const proposedText = (e: PendingEdit) => e.base.slice(0, e.range.start) + e.newText + e.base.slice(e.range.end);

    // Enables the Accept/Reject keys while an edit is waiting for a decision.
    const updateContext = () => void vscode.commands.executeCommand("setContext", "gemmaCode.editPending", edits.size > 0);
    const close = async (uri: vscode.Uri) => {
        edits.delete(uri.toString());
        updateContext();
        const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) =>
            t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uri.toString());
        if (tabs.length) await vscode.window.tabGroups.close(tabs);
    };

    /** The edit of the active diff editor (title bar buttons pass its URI; the palette passes nothing). */
    const target = (arg: unknown): vscode.Uri | undefined => {
        if (arg instanceof vscode.Uri && arg.scheme === EDIT_SCHEME) return arg;
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === EDIT_SCHEME) return input.modified;
        return [...edits.keys()].map((k) => vscode.Uri.parse(k)).at(-1);
    };

    const accept = async (uri: vscode.Uri | undefined) => {
        const edit = uri && edits.get(uri.toString());
        if (!uri || !edit) return void vscode.window.showWarningMessage(l10n.t("Gemma Code: no edit to accept here (it may have been closed)."));
        if (!edit.done) return void vscode.window.showWarningMessage(l10n.t("Gemma Code: Gemma is still writing this edit."));
        const doc = await vscode.workspace.openTextDocument(edit.target);
        const range = doc.version === edit.version ? edit.range : rebaseRange(edit.base, edit.range, doc.getText());
        if (!range) {
            void vscode.window.showErrorMessage(l10n.t("Gemma Code: the selected code in {0} changed after Gemma's edit was made, so it was not applied. Select it and ask again.",
                vscode.workspace.asRelativePath(doc.uri)));
            return;
        }
        const workspaceEdit = new vscode.WorkspaceEdit();
        workspaceEdit.replace(doc.uri, new vscode.Range(doc.positionAt(range.start), doc.positionAt(range.end)), edit.newText);
        if (!await vscode.workspace.applyEdit(workspaceEdit)) {
            return void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0} could not be changed.", vscode.workspace.asRelativePath(doc.uri)));
        }
        log.info(`Applied Gemma's edit to ${vscode.workspace.asRelativePath(doc.uri)} (not saved).`);
        await close(uri);
        await vscode.window.showTextDocument(doc, {preview: false});
    };

    const editSelection = (client: GemmaClient) => async (instructionArg?: unknown) => {
        const editor = vscode.window.activeTextEditor;
        if (!editor) return void vscode.window.showWarningMessage(l10n.t("Gemma Code: open a file and select the code to edit."));
        const doc = editor.document;
        // No selection: the cursor's line.
        const selection = editor.selection.isEmpty
            ? doc.lineAt(editor.selection.active.line).rangeIncludingLineBreak : new vscode.Range(editor.selection.start, editor.selection.end);
        const instruction = typeof instructionArg === "string" ? instructionArg : await vscode.window.showInputBox({
            title: l10n.t("Edit with Gemma"), prompt: l10n.t("Describe the change to the selected code"), placeHolder: l10n.t("e.g. handle the empty list")
        });
        if (!instruction?.trim()) return;

        const name = doc.uri.path.split("/").pop() || "untitled";
        const uri = vscode.Uri.from({scheme: EDIT_SCHEME, path: `/${next++}/${name}`});
        const edit: PendingEdit = {target: doc.uri, base: doc.getText(), version: doc.version, newText: doc.getText(selection),
            range: {start: doc.offsetAt(selection.start), end: doc.offsetAt(selection.end)}, done: false};
        edits.set(uri.toString(), edit);
        updateContext();
        await vscode.commands.executeCommand("vscode.diff", doc.uri, uri, l10n.t("{0} ↔ Gemma's edit: {1}", name, instruction.trim()), {preview: false});

        let streamed = "";
        let result: EditResult;
        try {
            result = await vscode.window.withProgress({location: vscode.ProgressLocation.Notification, title: l10n.t("Gemma is editing…"), cancellable: true},
                (_progress, token) => {
                    const abort = new AbortController();
                    token.onCancellationRequested(() => abort.abort());
                    return streamRequest(client.languageClient, EditRequest.type,
                        {textDocument: {uri: doc.uri.toString(), version: edit.version}, range: client.toProtocolRange(selection), instruction},
                        (delta) => {
                            streamed += delta;
                            edit.newText = streamed;
                            changed.fire(uri);
                        }, abort.signal);
                });
        } catch (error) {
            await close(uri);
            const e = error as {code?: number; message?: string};
            if (e.code === ErrorCodes.RequestCancelled) return;
            void vscode.window.showErrorMessage(e.code === ErrorCodes.EditConflict ? l10n.t("Gemma Code: {0}", e.message ?? "")
                : l10n.t("Gemma Code: the edit failed ({0}).", e.message ?? String(error)));
            return;
        }
        if (!edits.has(uri.toString())) return; // closed meanwhile
        const current = await vscode.workspace.openTextDocument(doc.uri);
        if (current.version !== result.version) {
            // Typed into while the answer travelled: its range is for a version this window has left.
            await close(uri);
            void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0} changed while Gemma was editing it: ask again.", name));
            return;
        }
        const at = (p: {line: number; character: number}) => current.offsetAt(new vscode.Position(p.line, p.character));
        Object.assign(edit, {base: current.getText(), version: current.version, newText: result.text, done: true,
            range: {start: at(result.range.start), end: at(result.range.end)}});
        changed.fire(uri);
        const acceptLabel = l10n.t("Accept"), rejectLabel = l10n.t("Reject");
        const choice = await vscode.window.showInformationMessage(l10n.t("Gemma's edit of {0} is ready.", name), acceptLabel, rejectLabel);
        if (choice === acceptLabel) await accept(uri);
        else if (choice === rejectLabel) await close(uri);
    };

    const disposable = vscode.Disposable.from(
        changed,
        vscode.workspace.registerTextDocumentContentProvider(EDIT_SCHEME, {
            onDidChange: changed.event,
            provideTextDocumentContent: (uri) => {
                const edit = edits.get(uri.toString());
                return edit ? proposedText(edit) : "";
            }
        }),
        vscode.commands.registerCommand(Commands.acceptEdit, (arg?: unknown) => accept(target(arg))),
        vscode.commands.registerCommand(Commands.rejectEdit, async (arg?: unknown) => {
            const uri = target(arg);
            if (uri) await close(uri);
        })
    );
    return {disposable, commands: {[Commands.editSelection]: {enabled: ({client}) => editSelection(client)}}};
}
