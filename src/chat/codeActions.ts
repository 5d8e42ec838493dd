// The buttons of a code block in a reply: Copy, Insert at Cursor, Apply to File.
import * as vscode from "vscode";
import type {CodeAction} from "../../protocol/webview";
import {lastTextEditor} from "./editors";
import type {Proposals} from "./proposals";
import {fitTrailingNewline, withEol} from "./textEdits";
import * as l10n from "../l10n";

export async function runCodeAction(action: CodeAction, code: string, proposals: Proposals) {
    if (action === "copy") {
        await vscode.env.clipboard.writeText(code);
        vscode.window.setStatusBarMessage(`$(check) ${l10n.t("Copied the code to the clipboard")}`, 3000);
        return;
    }
    const editor = lastTextEditor();
    if (!editor) {
        void vscode.window.showInformationMessage(l10n.t("Gemma Code: open the file to change first, then try again."));
        return;
    }
    const doc = editor.document;
    const eol = doc.eol === vscode.EndOfLine.CRLF ? "\r\n" : "\n";
    if (action === "insertAtCursor") {
        const atLineStart = editor.selections.every((s) => s.end.character === 0 && (s.isEmpty || s.end.line > s.start.line));
        const text = withEol(fitTrailingNewline(code, atLineStart), eol);
        // An ordinary editor edit: one undo step, and the file is left unsaved.
        const done = await editor.edit((b) => {
            for (const s of editor.selections) b.replace(s, text);
        });
        if (!done) void vscode.window.showWarningMessage(l10n.t("Gemma Code: the editor did not accept the insertion."));
        await vscode.window.showTextDocument(doc, {viewColumn: editor.viewColumn, preserveFocus: false});
        return;
    }
    // Apply to File: a selection is replaced; without one, the code block is the proposed whole file.
    const sel = editor.selection;
    const before = doc.getText();
    let proposed: string;
    if (sel.isEmpty) {
        proposed = withEol(fitTrailingNewline(code, before === "" || /\n$/.test(before)), eol);
    } else {
        const replaced = doc.getText(sel);
        const text = withEol(fitTrailingNewline(code, /\n$/.test(replaced)), eol);
        proposed = before.slice(0, doc.offsetAt(sel.start)) + text + before.slice(doc.offsetAt(sel.end));
    }
    await proposals.propose(doc, proposed);
}
