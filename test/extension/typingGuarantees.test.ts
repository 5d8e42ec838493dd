// In a real VS Code: ghost text while the suggestion list is open (it must start with the selected item and replace
// its range), and a review comment after Apply suggestion then Undo (back on its line, or gone — never moved to an
// identical line elsewhere).
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type {GemmaCodeApi} from "../../src/extension";

const CODE = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";

/** Resolves when `uri`'s Gemma diagnostics satisfy `ok` (checked now and on each change). */
function gemmaDiagnostics(uri: vscode.Uri, ok: (d: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
    const current = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === "Gemma");
    return new Promise((resolve) => {
        if (ok(current())) return resolve(current());
        const sub = vscode.languages.onDidChangeDiagnostics((e) => {
            if (!e.uris.some((u) => u.toString() === uri.toString()) || !ok(current())) return;
            sub.dispose();
            resolve(current());
        });
    });
}

describe("typing guarantees in the editor", function () {
    // A review on the tiny model takes seconds alone, minutes on a loaded 2-core machine.
    this.timeout(600_000);
    let api: GemmaCodeApi;

    before(async () => {
        api = await vscode.extensions.getExtension<GemmaCodeApi>("gemma-code.gemma-code")!.activate();
        await api.whenModelReady();
    });

    it("shows ghost text with the suggestion list open: it starts with the selected item and replaces its range", async () => {
        const folder = vscode.workspace.workspaceFolders![0];
        const uri = vscode.Uri.joinPath(folder.uri, "suggest-open.ts");
        await vscode.workspace.fs.writeFile(uri, Buffer.from("const counter = 1;\nconst country = \"x\";\nfunction f() {\n    co"));
        const doc = await vscode.workspace.openTextDocument(uri);
        const editor = await vscode.window.showTextDocument(doc);
        const cursor = doc.lineAt(3).range.end;
        editor.selection = new vscode.Selection(cursor, cursor);
        // The list opens (word and TypeScript suggestions for "co"); with it open, VS Code shows our ghost text only
        // when it starts with the selected item, and accepting it replaces "co" with the whole item plus the rest.
        // A keystroke-less trigger can race the list opening, so try a few times.
        const before = doc.getText();
        let line = "";
        for (let attempt = 0; attempt < 5 && doc.getText() === before; attempt++) {
            await vscode.commands.executeCommand("editor.action.triggerSuggest");
            await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
            await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
        }
        await vscode.commands.executeCommand("hideSuggestWidget");
        line = doc.lineAt(3).text;
        assert.notStrictEqual(doc.getText(), before, "ghost text was shown and accepted while the suggestion list was open");
        const word = /^\s*(\w+)/.exec(line)?.[1] ?? "";
        assert.ok(word.startsWith("co") && word.length > 2, `the line starts with a whole suggested item: ${JSON.stringify(line)}`);
    });

    it("Apply suggestion then Undo: the comment is on its original line again, or gone", async () => {
        const folder = vscode.workspace.workspaceFolders![0];
        const uri = vscode.Uri.joinPath(folder.uri, "apply-undo.js");
        await vscode.workspace.fs.writeFile(uri, Buffer.from(CODE));
        const doc = await vscode.workspace.openTextDocument(uri);
        const editor = await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand("gemmaCode.reviewFile");
        const all = await gemmaDiagnostics(uri, (d) => d.length > 0);
        let target: {diagnostic: vscode.Diagnostic; apply: vscode.CodeAction} | undefined;
        for (const diagnostic of all) {
            const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
                "vscode.executeCodeActionProvider", uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
            const apply = actions.find((a) => a.title === "Apply Gemma's suggestion");
            if (apply?.edit) target = {diagnostic, apply};
            if (target) break;
        }
        assert.ok(target, "the tiny model's review of this file has a comment with a suggestion");
        const line = target.diagnostic.range.start.line;
        const lineCount = target.diagnostic.range.end.line - line + 1;
        const commented = doc.getText(new vscode.Range(line, 0, line + lineCount - 1, doc.lineAt(line + lineCount - 1).text.length));
        // An identical copy of the commented lines further down: the place a nearest-identical-line search picks.
        await editor.edit((e) => e.insert(doc.lineAt(doc.lineCount - 1).range.end, `\n${commented}\n`));
        const message = target.diagnostic.message;
        const before = doc.getText();
        assert.ok(await vscode.workspace.applyEdit(target.apply.edit!));
        // The server answers the edit: the comment leaves its line (dropped, or — the defect — moved to the copy).
        await gemmaDiagnostics(uri, (d) => !d.some((x) => x.message === message && x.range.start.line === line));
        await vscode.commands.executeCommand("undo");
        assert.equal(doc.getText(), before, "undo restores the text");
        // A request after the undo: the client sends the change first and the server publishes before answering.
        await vscode.commands.executeCommand("vscode.executeCodeActionProvider", uri, new vscode.Range(0, 0, 0, 0));
        const same = vscode.languages.getDiagnostics(uri).filter((d) => d.source === "Gemma" && d.message === message);
        assert.ok(same.length === 0 || (same.length === 1 && same[0].range.start.line === line),
            `the comment is back on line ${line + 1} or gone: ${same.map((d) => d.range.start.line + 1).join(", ")}`);
    });
});
