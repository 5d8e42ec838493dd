// Which editor the chat's actions and automatic context refer to. Focus is in the chat panel when they run, and
// the active editor may be one of our own proposal diffs, so "the user's editor" is the active one if it shows
// a user document, else the last one that did and is still visible.
import * as vscode from "vscode";

const USER_SCHEMES = new Set(["file", "untitled", "vscode-remote", "vscode-vfs", "vscode-userdata"]);

export function isUserDocument(doc: vscode.TextDocument) {
    return USER_SCHEMES.has(doc.uri.scheme);
}

let last: vscode.TextEditor | undefined;

export function trackEditors(): vscode.Disposable {
    const remember = (e: vscode.TextEditor | undefined) => {
        if (e && isUserDocument(e.document)) last = e;
    };
    remember(vscode.window.activeTextEditor);
    return vscode.window.onDidChangeActiveTextEditor(remember);
}

export function lastTextEditor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active && isUserDocument(active.document)) return active;
    const visible = vscode.window.visibleTextEditors;
    if (last && visible.includes(last)) return last;
    return visible.find((e) => isUserDocument(e.document));
}
