// Review and Explain in a real VS Code: diagnostics from a review, an undoable quick fix, a streamed explanation.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type {GemmaCodeApi} from "../../src/extension";

// The tiny test model's review of this file comments with a suggestion (same text as the LSP-level test).
const CODE = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";

describe("review and explain", function () {
    this.timeout(240_000);
    let api: GemmaCodeApi;
    let doc: vscode.TextDocument;

    before(async () => {
        api = await vscode.extensions.getExtension<GemmaCodeApi>("gemma-code.gemma-code")!.activate();
        await api.whenModelReady();
        const folder = vscode.workspace.workspaceFolders![0];
        const uri = vscode.Uri.joinPath(folder.uri, "review-target.js");
        await vscode.workspace.fs.writeFile(uri, Buffer.from(CODE));
        doc = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(doc);
    });

    it("Review Current File publishes Gemma's comments as diagnostics", async () => {
        const results = await vscode.commands.executeCommand<{comments: unknown[]}[]>("gemmaCode.reviewFile");
        const comments = results.flatMap((r) => r.comments);
        assert.ok(comments.length > 0, "the tiny model comments on this file");
        const gemma = vscode.languages.getDiagnostics(doc.uri).filter((d) => d.source === "Gemma");
        assert.equal(gemma.length, comments.length);
    });

    it("applies a suggestion as an undoable edit", async () => {
        const diagnostic = vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === "Gemma")!;
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
            "vscode.executeCodeActionProvider", doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
        const titles = actions.map((a) => a.title);
        assert.ok(titles.some((t) => t.startsWith("Explain with Gemma")), titles.join(", "));
        const apply = actions.find((a) => a.title === "Apply Gemma's suggestion");
        assert.ok(apply?.edit, `an Apply action with an edit: ${titles.join(", ")}`);
        const before = doc.getText();
        await vscode.window.showTextDocument(doc);
        assert.ok(await vscode.workspace.applyEdit(apply.edit));
        assert.notEqual(doc.getText(), before, "the suggestion changed the text");
        await vscode.commands.executeCommand("undo");
        assert.equal(doc.getText(), before, "undo restores the text");
    });

    it("explains a diagnostic with at least two streamed parts, and shows it in the chat panel", async () => {
        const range = {start: {line: 5, character: 12}, end: {line: 5, character: 24}};
        const diagnostic = {range, message: "Division by zero", source: "eslint", severity: 1 as const};
        const parts: string[] = [];
        // Through the extension's own client (protocol objects from this test bundle are other class instances).
        const text = await api.explain({textDocument: {uri: doc.uri.toString()}, range, diagnostic}, (d) => void parts.push(d));
        assert.ok(parts.length >= 2, `streamed parts: ${parts.length}`);
        assert.equal(parts.join(""), text);
        // The command path: the code action's command opens the explanation in the chat panel.
        const before = api.conversations().length;
        await vscode.commands.executeCommand("gemmaCode.explain", {uri: doc.uri.toString(), range, diagnostic});
        const conversations = api.conversations();
        assert.equal(conversations.length, before + 1, "the explanation opened a conversation in the chat panel");
        const shown = conversations[0];
        assert.equal(shown.title, "Explain: Division by zero (review-target.js:6)");
        const reply = shown.messages.at(-1)!;
        assert.equal(reply.role, "assistant");
        assert.ok(reply.content.trim().length > 0, "Gemma's explanation is in the conversation");
    });
});
