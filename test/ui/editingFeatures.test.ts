// UI test (plain Node driving code-server's workbench in headless Chromium) of what users reach for after ghost
// text: the first-run walkthrough, cycling candidates (Alt+]), accepting one word (Ctrl+→) with the rest kept,
// Edit Selection → diff → Accept → undo, and a commit message written into the Source Control input box.
// Screenshots go to test/artifacts/.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type {Page} from "playwright-core";
import {quickOpen, runCommand, startWorkbench} from "../support/workbench";

const EDITOR = ".part.editor .editor-instance .monaco-editor";

/** The active editor's lines (top to bottom, ghost text left out) and its ghost text, spaces normalised. */
function editorState(page: Page) {
    return page.evaluate((selector) => {
        const editors = [...document.querySelectorAll(selector)].filter((e) => (e as HTMLElement).offsetParent !== null);
        const editor = editors.find((e) => e.classList.contains("focused")) ?? editors.at(-1);
        const isGhost = (e: Element) => /ghost-text/.test(e.className);
        const outermost = [...(editor?.querySelectorAll("[class*='ghost-text']") ?? [])]
            .filter((e) => !e.parentElement?.closest("[class*='ghost-text']"));
        const lines = [...(editor?.querySelectorAll(".view-lines .view-line") ?? [])].map((l) => {
            const copy = l.cloneNode(true) as Element;
            copy.querySelectorAll("*").forEach((e) => isGhost(e) && e.remove());
            return {top: parseFloat((l as HTMLElement).style.top), text: copy.textContent ?? ""};
        }).sort((a, b) => a.top - b.top).map((l) => l.text.replace(/\u00a0/g, " "));
        return {lines, ghost: outermost.map((e) => e.textContent ?? "").join("").replace(/\u00a0/g, " ")};
    }, EDITOR);
}

async function waitFor<T>(page: Page, probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await probe();
        if (ok(v)) return v;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
        // Polls the DOM (the workbench has no event for "ghost text changed").
        await page.waitForTimeout(250);
    }
}

describe("candidates, partial accept, edit, commit message, walkthrough in the workbench", function () {
    this.timeout(600_000); // a shared 2-core machine: the workbench alone takes a minute to draw when loaded
    const ui = startWorkbench({
        artifactsPrefix: "editing",
        prepareWorkspace: (workspace) => {
            // A git repository with a Conventional Commits history and a staged change, for the commit message.
            const git = (...args: string[]) => execFileSync("git", args, {cwd: workspace, encoding: "utf8"});
            git("init", "-q", "-b", "main");
            git("config", "user.email", "ui@example.com");
            git("config", "user.name", "UI Test");
            git("add", ".");
            git("commit", "-q", "-m", "feat: sample files");
            fs.writeFileSync(path.join(workspace, "notes.md"), "# Notes\n\nDistances are Euclidean.\n");
            git("add", "notes.md");
        },
        userSettings: {"workbench.welcomePage.walkthroughs.openOnInstall": true, "git.enabled": true,
            // Short answers: the edit and the commit message finish in seconds even on a loaded machine.
            "gemmaCode.chat.maxTokens": 24}
    });

    it("opens the walkthrough on first run", async () => {
        const page = ui.page;
        const title = page.locator(".part.editor").getByText("Get started with Gemma Code").first();
        await title.waitFor({timeout: 240_000});
        await page.locator(".part.editor").getByText("Try ghost text").first().waitFor({timeout: 30_000});
        await page.screenshot({path: path.join(ui.artifacts, "walkthrough.png")});
        await runCommand(page, "View: Close All Editors");
    });

    it("cycles to the second candidate with Alt+] and back, then accepts one word with Ctrl+→ and the rest stays", async () => {
        const page = ui.page;
        await quickOpen(page, "sample.ts");
        await page.locator(`${EDITOR} .view-lines`).filter({hasText: "distance"}).waitFor({timeout: 60_000});
        await page.keyboard.press("Control+End");
        await page.keyboard.press("Enter");
        await page.keyboard.type("export function multiply(a: number, b: number): number {");
        await page.keyboard.press("Enter");
        await page.keyboard.type("return ");
        let first = "";
        for (let attempt = 0; !first; attempt++) {
            try {
                first = (await waitFor(page, () => editorState(page), (s) => s.ghost.trim().length > 0, "ghost text", 30_000)).ghost;
            } catch (err) {
                if (attempt === 6) throw err;
                // The model may have loaded after the last keystroke: retype it, as a user would.
                await page.keyboard.press("Backspace");
                await page.keyboard.type(" ");
            }
        }
        await page.keyboard.press("Alt+BracketRight");
        const second = (await waitFor(page, () => editorState(page), (s) => s.ghost.trim().length > 0 && s.ghost !== first,
            "the second candidate")).ghost;
        console.log(`      candidate 1: ${JSON.stringify(first)}\n      candidate 2: ${JSON.stringify(second)}`);
        await page.screenshot({path: path.join(ui.artifacts, "candidates-second.png")});

        // Back to the first (the one VS Code shows first again after a partial accept of a word several candidates
        // share: it keeps the first of the server's items that match what was typed).
        await page.keyboard.press("Alt+BracketLeft");
        await waitFor(page, () => editorState(page), (s) => s.ghost === first, "the first candidate again");
        const before = await editorState(page);
        const lineIndex = before.lines.findIndex((l) => /^\s*return $/.test(l));
        assert.ok(lineIndex >= 0, `the typed line: ${JSON.stringify(before.lines)}`);
        await page.keyboard.press("Control+ArrowRight");
        const after = await waitFor(page, () => editorState(page), (s) => s.lines[lineIndex] !== before.lines[lineIndex], "one word accepted");
        const accepted = after.lines[lineIndex].replace(/^\s*return /, "");
        assert.ok(accepted.length > 0 && first.startsWith(accepted), `a start of the candidate was inserted: ${JSON.stringify(accepted)}`);
        assert.ok(accepted.length < first.replace(/\s+$/, "").length, "only part of it");
        const rest = await waitFor(page, () => editorState(page), (s) => s.ghost.length > 0, "the rest as ghost text");
        assert.equal(rest.ghost, first.slice(accepted.length), "the rest of the same candidate is still shown");
        await page.screenshot({path: path.join(ui.artifacts, "partial-accept.png")});
        await page.keyboard.press("Escape");
    });

    it("Edit Selection shows a diff, Accept applies it, and undo restores the file", async () => {
        const page = ui.page;
        await quickOpen(page, "sample.py");
        await waitFor(page, () => editorState(page), (s) => s.lines.some((l) => l.includes("def")), "sample.py");
        const original = (await editorState(page)).lines;
        await page.keyboard.press("Control+Home");
        await page.keyboard.press("Shift+ArrowDown");
        await page.keyboard.press("Shift+ArrowDown");
        await runCommand(page, "Gemma Code: Edit Selection");
        // Our input box, not the command palette closing: its title says so (typing earlier went into the palette).
        await page.locator(".quick-input-widget", {hasText: "Edit with Gemma"}).waitFor({state: "visible", timeout: 30_000});
        await page.keyboard.type("Add type hints");
        await page.keyboard.press("Enter");
        await page.locator(".tab", {hasText: "Gemma's edit"}).first().waitFor({timeout: 60_000});
        await page.screenshot({path: path.join(ui.artifacts, "edit-diff.png")});
        // The diff's title bar Accept (✓): while Gemma is still writing it only warns, so press it until the diff closes.
        const accept = page.locator(".part.editor [aria-label^='Accept Edit']").first();
        const tab = page.locator(".tab", {hasText: "Gemma's edit"}).first();
        await waitFor(page, async () => {
            if (await tab.count() === 0) return true;
            await accept.click({timeout: 30_000});
            return tab.waitFor({state: "detached", timeout: 3_000}).then(() => true, () => false);
        }, (closed) => closed, "the edit accepted", 300_000);
        const edited = await waitFor(page, () => editorState(page), (s) => s.lines.join("\n") !== original.join("\n"), "the edit applied");
        assert.deepEqual(edited.lines.slice(-3), original.slice(-3), "lines after the selection kept");
        await page.screenshot({path: path.join(ui.artifacts, "edit-accepted.png")});
        await page.keyboard.press("Control+Z");
        await waitFor(page, () => editorState(page), (s) => s.lines.join("\n") === original.join("\n"), "undo restoring the file");
    });

    it("writes a commit message for the staged change into the Source Control input box", async () => {
        const page = ui.page;
        await page.keyboard.press("Control+Shift+G");
        const button = page.locator(".part.sidebar [aria-label^='Write Commit Message']").first();
        await button.waitFor({timeout: 120_000});
        await button.click();
        const box = page.locator(".part.sidebar .scm-editor .view-lines");
        const message = await waitFor(page, async () => (await box.first().textContent() ?? "").replace(/\u00a0/g, " "),
            (t) => t.trim().length > 0, "a commit message in the input box", 240_000);
        // Streamed, then the final message: wait until the progress notification is gone.
        await page.locator(".notifications-toasts", {hasText: "writing the commit message"}).waitFor({state: "detached", timeout: 240_000});
        console.log(`      commit message: ${JSON.stringify(message)}`);
        await page.screenshot({path: path.join(ui.artifacts, "commit-message.png")});
    });
});
