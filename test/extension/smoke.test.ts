// First extension-host test: the extension activates, loads the tiny test model (gemmaCode.modelPath is set
// by test/run-extension-tests.ts) and answers an inline completion request in a real editor.
import assert from "node:assert/strict";
import * as vscode from "vscode";
// Type-only: erased from the bundle, but a change to the extension's API is a compile error here.
import type {GemmaCodeApi} from "../../src/extension";
import {acceptInlineSuggestion} from "./acceptSuggestion";

const EXTENSION_ID = "gemma-code.gemma-code";

describe("smoke", function () {
    let api: GemmaCodeApi;

    it("is installed and activates", async function () {
        const ext = vscode.extensions.getExtension<GemmaCodeApi>(EXTENSION_ID);
        assert.ok(ext, `extension ${EXTENSION_ID} not found`);
        // GEMMA_CODE_EXPECT_INSTALLED: the run installed the .vsix, so this must be the packaged copy.
        const expected = process.env.GEMMA_CODE_EXPECT_INSTALLED;
        if (expected) assert.equal(ext.extensionPath, expected, "the extension under test is the installed package");
        api = await ext.activate();
        assert.ok(ext.isActive);
        assert.equal(typeof api?.whenModelReady, "function", "activate() must return the test API");
    });

    it("loads the model", async function () {
        const state = await api.whenModelReady();
        assert.equal(state.status, "ready", state.message);
    });

    it("returns an inline completion at the end of a line", async function () {
        const folder = vscode.workspace.workspaceFolders?.[0];
        assert.ok(folder, "the test workspace is not open");
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, "sample.ts"));
        const editor = await vscode.window.showTextDocument(doc);
        // A new, unfinished line at the end of the file: a natural place for a completion.
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        await editor.edit((e) => e.insert(end, "\nexport function multiply(a: number, b: number): number {\n    return "));
        const cursor = doc.lineAt(doc.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(cursor, cursor);

        // VS Code 1.139 has no vscode.executeInlineCompletionItemProvider command: accept the ghost text instead.
        const text = await acceptInlineSuggestion(editor);
        assert.ok(text.trim().length > 0, `no inline completion accepted: ${JSON.stringify(text)}`);
    });
});
