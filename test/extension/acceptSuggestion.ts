// Asks for an inline suggestion at the cursor and accepts it, the way a user does (trigger, then Tab): the
// accepted text is what the document gains. Only public VS Code commands; the extension exposes nothing for it.
import * as vscode from "vscode";

/**
 * Returns the inserted text, or "" when no suggestion came after `attempts` tries. An automatic request (from
 * an edit or the cursor move) may cancel the explicit one, so it tries again.
 */
export async function acceptInlineSuggestion(editor: vscode.TextEditor, attempts = 5): Promise<string> {
    const doc = editor.document;
    const before = doc.getText();
    const cursor = doc.offsetAt(editor.selection.active);
    for (let i = 0; i < attempts; i++) {
        // The trigger command resolves once the providers have answered and the ghost text is shown.
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
        const after = doc.getText();
        if (after !== before) return after.slice(cursor, cursor + after.length - before.length);
    }
    return "";
}
