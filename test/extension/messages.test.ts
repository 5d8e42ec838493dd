// Messages that must not leave the user stuck, in a real VS Code (issue 19, item 8), and Review Changes --staged:
// - Review Changes outside a git repository says so before it asks which changes;
// - with no model, the first-run toast names the size the picker then recommends, and a failed review offers
//   Download / Select;
// - Review Changes --staged reviews the staged text at the staged line numbers (a real repository in the workspace).
// The extension's notifications are recorded by replacing vscode.window's show*Message / showQuickPick for the
// duration of a test: the test bundle is loaded as part of the extension, so both see the same API object.
// Files sort by name, and no suite before this one empties modelPath: the first-run toast is shown once per window,
// at the first "noModel", so this suite sees it.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import type {GemmaCodeApi} from "../../src/extension";

interface Shown {
    kind: "info" | "warning" | "error" | "quickPick";
    message: string;
    items: string[];
}

type Answer = (shown: Shown) => string | undefined;

/** Records what the extension shows; `answer` picks the button (or quick-pick label) to "click", if any. */
function recordNotifications(answer: Answer = () => undefined) {
    const w = vscode.window as unknown as Record<string, unknown>;
    const originals = {info: w.showInformationMessage, warning: w.showWarningMessage, error: w.showErrorMessage,
        quickPick: w.showQuickPick};
    const shown: Shown[] = [];
    const waiters: {match: (s: Shown) => boolean; resolve: (s: Shown) => void}[] = [];
    const record = (s: Shown) => {
        shown.push(s);
        for (const waiter of waiters.splice(0)) {
            if (waiter.match(s)) waiter.resolve(s);
            else waiters.push(waiter);
        }
        return answer(s);
    };
    const message = (kind: Shown["kind"]) => async (text: string, ...rest: unknown[]) => {
        const items = rest.filter((r): r is string => typeof r === "string");
        return record({kind, message: text, items});
    };
    w.showInformationMessage = message("info");
    w.showWarningMessage = message("warning");
    w.showErrorMessage = message("error");
    w.showQuickPick = async (items: Thenable<vscode.QuickPickItem[]> | vscode.QuickPickItem[], options?: vscode.QuickPickOptions) => {
        const list = await items;
        const label = record({kind: "quickPick", message: options?.title ?? options?.placeHolder ?? "",
            items: list.map((i) => `${i.label}${i.description ? ` | ${i.description}` : ""}`)});
        return list.find((i) => i.label === label);
    };
    return {
        shown,
        /** The first notification (from now on, or already shown) that matches. */
        next(match: (s: Shown) => boolean): Promise<Shown> {
            const seen = shown.find(match);
            return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({match, resolve}));
        },
        restore() {
            Object.assign(w, {showInformationMessage: originals.info, showWarningMessage: originals.warning,
                showErrorMessage: originals.error, showQuickPick: originals.quickPick});
        }
    };
}

describe("messages that say what to do, and Review Changes --staged", function () {
    this.timeout(240_000);
    let api: GemmaCodeApi;
    let folder: vscode.WorkspaceFolder;
    let recorder: ReturnType<typeof recordNotifications> | undefined;
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=Test", ...args],
        {cwd: folder.uri.fsPath, encoding: "utf8"});

    before(async () => {
        api = await vscode.extensions.getExtension<GemmaCodeApi>("gemma-code.gemma-code")!.activate();
        folder = vscode.workspace.workspaceFolders![0];
    });
    afterEach(() => {
        recorder?.restore();
        recorder = undefined;
    });

    it("Review Changes outside a git repository says so plainly, before asking which changes", async () => {
        assert.throws(() => git("rev-parse", "--show-toplevel"), "the test workspace is not in a git repository");
        // Review commands have their working handler while the server runs (src/ctx.ts); the installed .vsix may
        // still be starting it when this first test runs. A server that has reported a state runs.
        await api.waitForState(() => true);
        // An untitled editor is active (as the suites before this one leave it): it is in no folder, and the command
        // still speaks of the workspace's folder rather than asking for one to be opened.
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({language: "typescript", content: "let x = 1;\n"}));
        recorder = recordNotifications();
        await vscode.commands.executeCommand("gemmaCode.reviewChanges");
        const info = recorder.shown.filter((s) => s.kind === "info");
        assert.equal(info.length, 1, JSON.stringify(recorder.shown));
        assert.match(info[0].message, /Review Changes needs a git repository, and \S+ is not in one/);
        assert.deepEqual(info[0].items, ["Review Current File"]);
        assert.deepEqual(recorder.shown.filter((s) => s.kind === "quickPick" || s.kind === "error"), [],
            "no question about which changes, no raw git error");
    });

    it("with no model: the first-run toast names the size the picker recommends; a failed review offers Download / Select", async () => {
        await api.whenModelReady();
        const config = vscode.workspace.getConfiguration("gemmaCode");
        const model = config.get<string>("modelPath")!;
        // The toast's "Download or Select…" opens the picker; the picker is closed without a choice.
        recorder = recordNotifications((s) => s.kind === "warning" && s.items.includes("Download or Select…") ? "Download or Select…" : undefined);
        try {
            await config.update("modelPath", "", vscode.ConfigurationTarget.Global);
            await api.waitForState((s) => s.status === "noModel");
            const toast = await recorder.next((s) => s.kind === "warning" && /needs a model/.test(s.message));
            const picker = await recorder.next((s) => s.kind === "quickPick");
            const size = /about (\d+(?:\.\d+)? GB)/.exec(toast.message)?.[1];
            assert.ok(size, toast.message);
            const recommended = picker.items.find((i) => i.includes("(recommended)"));
            assert.ok(recommended, picker.items.join("; "));
            assert.ok(recommended.endsWith(`, ${size}`), `toast "${toast.message}" vs the picker's "${recommended}"`);

            const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, "sample.ts"));
            await vscode.window.showTextDocument(doc);
            await vscode.commands.executeCommand("gemmaCode.reviewFile");
            const failed = await recorder.next((s) => s.kind === "error" && /review failed/.test(s.message));
            assert.deepEqual(failed.items, ["Download Model…", "Select Model File…", "Show Log"], failed.message);
        } finally {
            await config.update("modelPath", model, vscode.ConfigurationTarget.Global);
        }
        await api.waitForState((s) => s.status === "ready");
    });

    it("Review Changes --staged reviews the staged text at the staged line numbers", async () => {
        // Staged: 30 new lines at the end; the working tree then keeps only its first 10 lines. The staged hunk
        // (lines 31-60) lies past the working-tree file's end: counted in the editor's text it reviews nothing.
        const file = path.join(folder.uri.fsPath, "staged.js");
        const base = Array.from({length: 30}, (_, i) => `const base${i} = ${i};`).join("\n") + "\n";
        const added = Array.from({length: 30}, (_, i) => `const added${i} = divide(${i}, 0);`).join("\n") + "\n";
        git("init", "-q");
        fs.writeFileSync(file, base);
        git("add", "staged.js");
        git("commit", "-q", "-m", "base");
        fs.writeFileSync(file, base + added);
        git("add", "staged.js");
        fs.writeFileSync(file, base.split("\n").slice(0, 10).join("\n") + "\n");
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        await vscode.window.showTextDocument(doc);
        assert.equal(doc.lineCount, 11);

        recorder = recordNotifications();
        const results = await vscode.commands.executeCommand<{comments: {range: {start: {line: number}}}[]}[]>(
            "gemmaCode.reviewChanges", true);
        assert.ok(results, `a review ran: ${JSON.stringify(recorder.shown)}`);
        assert.equal(results.length, 1, "one request, for the one staged hunk");
        const summary = await recorder.next((s) => s.kind === "info");
        assert.doesNotMatch(summary.message, /No staged changes/);
    });
});
