// UI test in plain Node: review, quick fix and explain as a user drives them in the real workbench (code-server in
// headless Chromium): Review Current File → Show Problems → a Gemma problem → Ctrl+. → Apply Gemma's suggestion →
// Ctrl+Z, then Ctrl+. → Explain with Gemma into the chat panel. Screenshots go to test/artifacts/.
//   npx mocha out/test/ui/reviewFlow.test.js
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type {Page} from "playwright-core";
import {chatFrame, quickOpen, runCommand, startWorkbench} from "../support/workbench";

// The tiny model's review of this file comments with a suggestion (the extension-host test uses the same text).
const CODE = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";

/** The text the active editor shows (the file is short: every line is drawn). */
function editorText(page: Page) {
    return page.locator(".part.editor .editor-instance .monaco-editor .view-lines").first()
        .evaluate((el) => Array.from(el.querySelectorAll(".view-line")).sort((a, b) =>
            parseFloat((a as HTMLElement).style.top) - parseFloat((b as HTMLElement).style.top)).map((l) => l.textContent).join("\n"))
        // Monaco draws spaces as no-break spaces.
        .then((t) => t.replace(/\u00a0/g, " "));
}

/** Opens the quick fix menu at the cursor and returns its item labels. */
async function quickFixes(page: Page): Promise<string[]> {
    const menu = page.locator(".action-widget");
    // Revealing a problem moves the focus into the editor a moment later; Ctrl+. pressed before that opens nothing,
    // so it is pressed again until the menu shows (one full run here missed it once).
    for (let attempt = 1; ; attempt++) {
        await page.keyboard.press("Control+.");
        try {
            await menu.locator(".action-list-row, .monaco-list-row").first().waitFor({timeout: 10_000});
            break;
        } catch (error) {
            if (attempt >= 6) throw error;
        }
    }
    return menu.locator(".action-list-row, .monaco-list-row").allTextContents();
}

describe("review, quick fix and explain in the workbench", function () {
    this.timeout(600_000);
    const ui = startWorkbench({
        artifactsPrefix: "review",
        prepareWorkspace: (workspace) => fs.writeFileSync(path.join(workspace, "divide.js"), CODE),
        userSettings: {"workbench.colorTheme": "Default Light Modern", "files.autoSave": "off", "gemmaCode.chat.maxTokens": 96}
    });

    before(async function () {
        // The model ready (the status item's sparkle): the review commands are in the palette only while the server
        // runs (when-clause gemmaCode.serverRunning), and the shared host may still be starting when the page shows.
        await ui.page.locator(".part.statusbar .statusbar-item").filter({hasText: /Gemma/})
            .filter({has: ui.page.locator(".codicon-sparkle")}).first().waitFor({timeout: 180_000});
    });

    it("Review Current File → Problems → Apply Gemma's suggestion → Undo", async function () {
        const page = ui.page;
        await quickOpen(page, "divide.js");
        await page.locator(".part.editor .tab.active", {hasText: "divide.js"}).waitFor({timeout: 30_000});
        await runCommand(page, "Gemma Code: Review Current File");
        // The status bar's problem counter opens the Problems panel; Gemma's comments appear there when the review ends.
        await page.locator(".part.statusbar #status\\.problems").click();
        const rows = page.locator(".markers-panel .monaco-list-row", {hasText: "Gemma"});
        await rows.first().waitFor({timeout: 300_000});
        await page.screenshot({path: path.join(ui.artifacts, "review-problems.png")});

        const original = await editorText(page);
        assert.match(original, /return a \/ b;/);
        // The problem with a suggestion: open each one's quick fixes until Apply is offered.
        let applied = false;
        for (let i = 0; i < await rows.count() && !applied; i++) {
            await rows.nth(i).click();
            await rows.nth(i).press("Enter"); // reveals the problem in the editor, cursor on it
            const fixes = await quickFixes(page);
            assert.ok(fixes.some((f) => f.includes("Explain with Gemma")), fixes.join(" | "));
            const apply = page.locator(".action-widget .action-list-row, .action-widget .monaco-list-row", {hasText: "Apply Gemma's suggestion"});
            if (await apply.count() === 0) {
                await page.keyboard.press("Escape");
                continue;
            }
            await page.screenshot({path: path.join(ui.artifacts, "review-quick-fix.png")});
            await apply.first().click();
            applied = true;
        }
        assert.ok(applied, "a Gemma problem offers Apply Gemma's suggestion");
        await page.locator(".part.editor .tab.active.dirty", {hasText: "divide.js"}).waitFor({timeout: 30_000});
        assert.notEqual(await editorText(page), original, "the suggestion changed the text");
        await page.locator(".part.editor .editor-instance .monaco-editor").first().click();
        await page.keyboard.press("Control+Z");
        const deadline = Date.now() + 30_000;
        while (await editorText(page) !== original && Date.now() < deadline) await page.waitForTimeout(100);
        assert.equal(await editorText(page), original, "Ctrl+Z restores the text");
        await page.screenshot({path: path.join(ui.artifacts, "review-after-undo.png")});
    });

    it("Explain with Gemma on a problem streams the explanation into the chat panel", async function () {
        const page = ui.page;
        // The applied comment went with its lines (and stays gone after the undo): review again to have one.
        const rows = page.locator(".markers-panel .monaco-list-row", {hasText: "Gemma"});
        await rows.first().waitFor({state: "detached", timeout: 30_000});
        await page.locator(".part.editor .editor-instance .monaco-editor").first().click();
        await runCommand(page, "Gemma Code: Review Current File");
        await rows.first().waitFor({timeout: 300_000});
        await rows.first().click();
        await rows.first().press("Enter");
        await quickFixes(page);
        await page.locator(".action-widget .action-list-row, .action-widget .monaco-list-row", {hasText: "Explain with Gemma"}).first().click();
        const frame = await chatFrame(page);
        await frame.locator(".message.user", {hasText: "Explain:"}).waitFor({timeout: 60_000});
        await frame.locator(".message.assistant .body").filter({hasText: /\S/}).first().waitFor({timeout: 300_000});
        await frame.locator("#send").waitFor({state: "visible", timeout: 300_000});
        assert.equal(await frame.locator(".note.error").count(), 0, (await frame.locator(".note.error").allTextContents()).join("; "));
        await page.screenshot({path: path.join(ui.artifacts, "review-explain-chat.png")});
    });
});
