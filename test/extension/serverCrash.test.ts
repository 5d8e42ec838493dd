// A dead language server (a native crash looks the same: the process is gone) is restarted, and completion
// works again afterwards.
import assert from "node:assert/strict";
import * as vscode from "vscode";
import type {GemmaCodeApi} from "../../src/extension";
import {acceptInlineSuggestion} from "./acceptSuggestion";

describe("server crash recovery", function () {
    this.timeout(240_000);

    it("restarts the killed server and completes again", async () => {
        const api = await vscode.extensions.getExtension<GemmaCodeApi>("gemma-code.gemma-code")!.activate();
        const before = await api.whenModelReady();
        assert.ok(before.pid, "the server reports its pid");
        process.kill(before.pid, "SIGKILL");
        const after = await api.waitForState((s) => s.status === "ready" && s.pid !== undefined && s.pid !== before.pid);
        assert.notEqual(after.pid, before.pid);

        const folder = vscode.workspace.workspaceFolders![0];
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, "sample.ts"));
        const editor = await vscode.window.showTextDocument(doc);
        await editor.edit((e) => e.insert(doc.lineAt(doc.lineCount - 1).range.end, "\nconst afterRestart = "));
        const cursor = doc.lineAt(doc.lineCount - 1).range.end;
        editor.selection = new vscode.Selection(cursor, cursor);
        const text = await acceptInlineSuggestion(editor);
        assert.ok(text.length > 0, "a completion after the restart");
    });
});
