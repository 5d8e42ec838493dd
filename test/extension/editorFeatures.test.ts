// Ghost text in a real Jupyter notebook (VS Code's own ipynb serializer, LSP notebook sync), and the status bar
// menu's Snooze and per-language Disable/Enable, each checked by what the user sees: whether a suggestion comes.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type {GemmaCodeApi} from "../../src/extension";
import {acceptInlineSuggestion} from "./acceptSuggestion";

const EXTENSION_ID = "gemma-code.gemma-code";

describe("notebooks, snooze and per-language toggles", function () {
    this.timeout(120_000);
    let api: GemmaCodeApi;
    let folder: vscode.WorkspaceFolder;

    before(async () => {
        api = await vscode.extensions.getExtension<GemmaCodeApi>(EXTENSION_ID)!.activate();
        assert.equal((await api.whenModelReady()).status, "ready");
        folder = vscode.workspace.workspaceFolders![0];
    });

    /** A new editor (untitled) of that language, the cursor at the end of its unfinished last line. */
    async function freshEditor(language: string, content: string) {
        const doc = await vscode.workspace.openTextDocument({language, content});
        const editor = await vscode.window.showTextDocument(doc);
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(end, end);
        return editor;
    }
    const pythonEditor = () => freshEditor("python", "import math\n\n\ndef area(w, h):\n    return ");
    /** The cursor back at the end (an accepted suggestion moved it). */
    const atEnd = (editor: vscode.TextEditor) => {
        const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(end, end);
        return editor;
    };

    it("completes in a code cell of a .ipynb, with the code cells above in the prompt", async () => {
        const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder.uri, "analysis.ipynb"));
        assert.equal(notebook.notebookType, "jupyter-notebook");
        await vscode.window.showNotebookDocument(notebook, {selections: [new vscode.NotebookRange(2, 3)]});
        const cell = notebook.cellAt(2);
        assert.equal(cell.document.languageId, "python");
        await vscode.commands.executeCommand("notebook.cell.edit");
        const editor = vscode.window.activeTextEditor;
        assert.equal(editor?.document.uri.toString(), cell.document.uri.toString(), "the cell's editor has the focus");
        const end = cell.document.lineAt(cell.document.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(end, end);
        const text = await acceptInlineSuggestion(editor);
        assert.ok(text.trim().length > 0, `a suggestion accepted in the cell: ${JSON.stringify(text)}`);
        const first = api.lastCompletionStats();
        assert.equal(first?.uri, cell.document.uri.toString(), "answered for the cell");

        // A long code cell inserted above: the next completion in the same cell has it in its prompt.
        const lines = Array.from({length: 30}, (_, i) => `rate_${i} = load_prices('rates_${i}.txt')[0] * ${i + 1}.5`).join("\n");
        const edit = new vscode.WorkspaceEdit();
        edit.set(notebook.uri, [vscode.NotebookEdit.insertCells(0, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, lines, "python")])]);
        assert.ok(await vscode.workspace.applyEdit(edit));
        assert.equal(notebook.cellAt(3).document.uri.toString(), cell.document.uri.toString());
        await vscode.window.showNotebookDocument(notebook, {selections: [new vscode.NotebookRange(3, 4)]});
        await vscode.commands.executeCommand("notebook.cell.edit");
        const again = vscode.window.activeTextEditor!;
        const newEnd = cell.document.lineAt(cell.document.lineCount - 1).range.end;
        await again.edit((e) => e.insert(newEnd, "\nmedian = "));
        const cursor = cell.document.lineAt(cell.document.lineCount - 1).range.end;
        again.selection = new vscode.Selection(cursor, cursor);
        await acceptInlineSuggestion(again);
        const second = api.lastCompletionStats();
        assert.ok(second && second !== first && second.source === "model", "a new model run for the cell");
        console.log(`      prompt tokens in the cell: ${first!.promptTokens}, after a 30-line cell was added above: ${second.promptTokens}`);
        assert.ok(second.promptTokens - first!.promptTokens > 200, "the cell added above is in the prompt");
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });

    it("Snooze Completions for 30 min: no ghost text, stored for the next reload; Resume brings it back", async () => {
        const editor = await pythonEditor();
        assert.ok((await acceptInlineSuggestion(editor)).trim().length > 0, "a suggestion before snoozing");
        await vscode.commands.executeCommand("gemmaCode.snoozeCompletions");
        const until = api.storedSnooze();
        assert.ok(Math.abs(until - (Date.now() + 30 * 60_000)) < 60_000, `stored until ${new Date(until).toISOString()}`);
        assert.equal(await acceptInlineSuggestion(atEnd(editor), 2), "", "no suggestion while snoozed");
        await vscode.commands.executeCommand("gemmaCode.resumeCompletions");
        assert.equal(api.storedSnooze(), 0, "the stored snooze is gone");
        await editor.edit((e) => e.insert(editor.document.lineAt(editor.document.lineCount - 1).range.end, "\n\ndef volume(w, h, d):\n    return "));
        assert.ok((await acceptInlineSuggestion(atEnd(editor))).trim().length > 0, "suggestions again after Resume");
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
    });

    it("Disable Completions for python: none in python, still in typescript; Enable brings them back", async () => {
        const config = () => vscode.workspace.getConfiguration("gemmaCode");
        const editor = await pythonEditor();
        try {
            await vscode.commands.executeCommand("gemmaCode.toggleLanguageCompletions");
            assert.equal(config().inspect<Record<string, boolean>>("completion.enable")?.globalValue?.python, false, "a user setting");
            assert.equal(await acceptInlineSuggestion(editor, 2), "", "no suggestion in python");
            const tsEditor = await freshEditor("typescript", "export function twice(x: number) {\n    return ");
            assert.ok((await acceptInlineSuggestion(tsEditor)).trim().length > 0, "typescript still completes");
            await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
            const again = atEnd(await vscode.window.showTextDocument(editor.document));
            await vscode.commands.executeCommand("gemmaCode.toggleLanguageCompletions", "python");
            assert.equal(config().inspect<Record<string, boolean>>("completion.enable")?.globalValue?.python, true);
            assert.ok((await acceptInlineSuggestion(again)).trim().length > 0, "python completes again");
        } finally {
            await config().update("completion.enable", undefined, vscode.ConfigurationTarget.Global);
            await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
        }
    });
});
