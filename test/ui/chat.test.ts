// UI test in plain Node: the chat panel in the real VS Code workbench (code-server) in headless Chromium.
// Opens the panel, asks a question and stops the streamed reply, gets a hostile reply and asserts on the webview's
// real DOM, takes light and dark screenshots, then reloads the window and reopens the conversation from the history.
// The replies come through the product's own path: the remote engine, pointed at a scripted OpenAI-compatible server
// in this process (test/support/scriptedInferenceServer.ts) that streams exact text, which no model can be made to.
//   npx mocha out/test/ui/chat.test.js
// GEMMA_CODE_EXTENSION_PATH: the extension to load (default: the repository root).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {ScriptedInferenceServer, type ScriptedRequest} from "../support/scriptedInferenceServer";
import {chatFrame, pickInQuickInput, quickOpen, runCommand, startWorkbench} from "../support/workbench";

const MARKER = "HOSTILE-REPLY-MARKER";
/** The chat message that the scripted server answers with HOSTILE. */
const ASK_HOSTILE = "Reply with the hostile test text.";
const HOSTILE = [
    `${MARKER} <img src=x onerror="window.__pwned=1">`,
    "<script>window.__pwned=2</script>",
    "[click](javascript:window.__pwned=3)",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
    "<div onmouseover=\"window.__pwned=4\">hover me</div>",
    "```ts\nconst safe: number = 1;\n```"
].join("\n\n");

/**
 * The scripted inference server's answers: HOSTILE to ASK_HOSTILE, in pieces like a model's; any other chat message
 * gets words until the client closes the stream (Stop); inline completions get nothing.
 */
async function answer(write: (data: string) => boolean, request: ScriptedRequest) {
    const delta = (content: string, finish: string | null = null) => JSON.stringify({choices: [{delta: {content}, finish_reason: finish}]});
    if (request.url !== "/v1/chat/completions") {
        write(JSON.stringify({choices: [{text: "", finish_reason: "stop"}]}));
        write("[DONE]");
        return;
    }
    const messages = (request.body as {messages?: {role: string; content: string}[]} | undefined)?.messages ?? [];
    if (messages.at(-1)?.content.includes(ASK_HOSTILE)) {
        for (const piece of HOSTILE.match(/[\s\S]{1,24}/g) ?? []) write(delta(piece));
        write(delta("", "stop"));
        write("[DONE]");
        return;
    }
    // A reply that streams until Stop closes it: 20 words a second.
    while (write(delta("word "))) await new Promise((r) => setTimeout(r, 50));
}

/** In the browser: anything in the conversation that could run script or load something. */
function findExecutable(): string[] {
    const bad: string[] = [];
    const tags = new Set(["SCRIPT", "IFRAME", "FRAME", "OBJECT", "EMBED", "IMG", "SVG", "MATH", "STYLE", "LINK",
        "META", "BASE", "FORM", "INPUT", "VIDEO", "AUDIO"]);
    for (const el of Array.from(document.querySelectorAll("#log *"))) {
        if (tags.has(el.tagName.toUpperCase())) bad.push(`<${el.tagName}>`);
        for (const a of Array.from(el.attributes)) {
            if (/^on/i.test(a.name) || ["src", "srcset", "style", "action", "formaction"].includes(a.name)) {
                bad.push(`${el.tagName} ${a.name}`);
            }
            if (a.name === "href" && !/^(https?:|mailto:)/i.test(a.value)) bad.push(`href=${a.value}`);
        }
    }
    if ((window as unknown as {__pwned?: number}).__pwned) bad.push(`script ran (${(window as unknown as {__pwned: number}).__pwned})`);
    return bad;
}

describe("chat panel in the workbench", function () {
    // 2 cores: workbench ~7 s, extension ~12 s, tiny model ~1 s; a reload costs the same again; CI is slower.
    this.timeout(300_000);
    let inference: ScriptedInferenceServer | undefined;
    const dialogs: string[] = [];

    before(async function () {
        inference = await ScriptedInferenceServer.start();
        inference.script = answer;
    });
    after(async function () {
        await inference?.close();
    });
    const ui = startWorkbench(() => ({
        artifactsPrefix: "chat",
        // The theme goes in before the start: rewriting settings.json as the page loads can cost the extension
        // its first read of its settings. VS Code for the Web saves after a delay by default; off, the
        // test can see that Apply to File leaves the file unsaved. No model: the remote engine answers.
        userSettings: {"gemmaCode.modelPath": undefined, "gemmaCode.engine": "remote", "gemmaCode.remote.endpoint": inference!.url,
            "workbench.colorTheme": "Default Light Modern", "files.autoSave": "off"}
    }));

    before(async function () {
        ui.page.on("dialog", (d) => {
            // The page's own "leave with unsaved changes?" on reload is not the reply's doing.
            if (d.type() === "beforeunload") return void d.accept();
            dialogs.push(`${d.type()}: ${d.message()}`);
            void d.dismiss();
        });
        await ui.page.locator(".part.statusbar").waitFor({timeout: 120_000});
    });

    it("opens the panel with the model state and the active file attached", async function () {
        const page = ui.page;
        await quickOpen(page, "sample.ts");

        await runCommand(page, "Gemma Code: Open Chat");
        const frame = await chatFrame(page);
        await frame.locator(".state.state-ready").waitFor({timeout: 120_000});
        await frame.locator(".chip", {hasText: "sample.ts"}).waitFor({timeout: 30_000});
        assert.equal(await frame.locator("#log").getAttribute("role"), "log");
    });

    it("attaches a file with @ and removes it with its chip's button", async function () {
        const page = ui.page;
        const frame = await chatFrame(page);
        await frame.locator("#input").press("@");
        await pickInQuickInput(page, "sample.py");
        const chip = frame.locator(".chip", {hasText: "sample.py"});
        await chip.waitFor({timeout: 30_000});
        assert.equal(await frame.locator("#input").inputValue(), "", "the @ is not typed");
        await chip.getByRole("button", {name: "Remove sample.py from the context"}).click();
        await chip.waitFor({state: "detached", timeout: 30_000});
    });

    it("streams a reply and stops it", async function () {
        const frame = await chatFrame(ui.page);
        await frame.locator("#input").fill("Explain sample.ts briefly.");
        await frame.locator("#input").press("Enter");
        await frame.locator(".message.user", {hasText: "Explain sample.ts briefly."}).waitFor({timeout: 30_000});
        // The scripted server streams this reply until it is stopped: wait for its first text (the view marks it
        // .streaming until the end), then stop it.
        const streaming = frame.locator(".message.assistant.streaming");
        await streaming.locator(".body").filter({hasText: /\S/}).waitFor({timeout: 60_000});
        const closed = inference!.nextStreamDoneOf("/v1/chat/completions");
        await frame.locator("#stop").waitFor({state: "visible", timeout: 30_000});
        await frame.locator("#input").press("Escape");
        await frame.locator(".note.stopped").waitFor({timeout: 30_000});
        assert.equal((await closed).closedByClient, true, "Stop closed the inference server's stream");
        await streaming.waitFor({state: "detached", timeout: 30_000});
        await frame.locator("#send").waitFor({state: "visible", timeout: 30_000});
        assert.equal(await frame.locator(".note.error").count(), 0, await frame.locator(".note.error").allTextContents()
            .then((t) => t.join("; ")));
    });

    it("renders a hostile reply without running anything", async function () {
        const page = ui.page;
        const frame = await chatFrame(page);
        await frame.locator("#input").fill(ASK_HOSTILE);
        await frame.locator("#input").press("Enter");
        await frame.locator(".message.assistant", {hasText: MARKER}).waitFor({timeout: 30_000});
        await frame.locator("#send").waitFor({state: "visible", timeout: 30_000});
        await frame.locator(".message.assistant", {hasText: "hover me"}).hover();
        await frame.locator(".message.assistant a", {hasText: "click"}).count().then((n) => assert.equal(n, 0));
        assert.deepEqual(await frame.evaluate(findExecutable), []);
        assert.deepEqual(dialogs, []);
        const code = frame.locator(".message.assistant .code-block").last();
        assert.equal(await code.locator(".hljs-keyword").first().textContent(), "const");
        assert.deepEqual(await code.locator("button").allTextContents(), ["Copy", "Insert at Cursor", "Apply to File"]);
    });

    it("applies a code block to the file only after review in a diff, undoably", async function () {
        const page = ui.page;
        const frame = await chatFrame(page);
        const editorLines = page.locator(".part.editor .editor-instance .monaco-editor .view-lines");
        await frame.locator(".message.assistant .code-block").last().locator("button", {hasText: "Apply to File"}).click();
        const accept = page.locator(".part.editor [aria-label*='Accept Proposal']").first();
        await accept.waitFor({timeout: 30_000});
        assert.ok(await page.locator(".part.editor .tab", {hasText: "Gemma's proposal"}).count() > 0, "the diff tab is open");
        await accept.click();
        await page.locator(".part.editor .tab", {hasText: "Gemma's proposal"}).waitFor({state: "detached", timeout: 30_000});
        await editorLines.filter({hasText: "const safe: number = 1;"}).first().waitFor({timeout: 30_000});
        assert.equal(await editorLines.filter({hasText: "export interface Point"}).count(), 0);
        assert.equal(await page.locator(".part.editor .tab.dirty", {hasText: "sample.ts"}).count(), 1,
            "changed in the editor, not saved behind the user's back");
        assert.match(fs.readFileSync(path.join(ui.workspace, "sample.ts"), "utf8"), /export interface Point/);
        await page.keyboard.press("Control+Z");
        await editorLines.filter({hasText: "export interface Point"}).first().waitFor({timeout: 30_000});
    });

    it("follows the colour theme (screenshots light and dark)", async function () {
        const page = ui.page;
        const frame = await chatFrame(page);
        const background = () => frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const light = await background();
        assert.ok(await frame.evaluate(() => document.body.classList.contains("vscode-light")));
        await page.screenshot({path: path.join(ui.artifacts, "chat-light.png")});
        await runCommand(page, "Preferences: Color Theme");
        await pickInQuickInput(page, "Dark Modern");
        await frame.waitForFunction((before) => getComputedStyle(document.body).backgroundColor !== before, light,
            {timeout: 30_000});
        assert.ok(await frame.evaluate(() => document.body.classList.contains("vscode-dark")));
        await page.screenshot({path: path.join(ui.artifacts, "chat-dark.png")});
    });

    it("finds the conversation in the history after a window reload", async function () {
        const page = ui.page;
        await page.reload();
        await page.locator(".part.statusbar").waitFor({timeout: 120_000});
        // The workbench restores the open panel by itself; open it only if it did not.
        const frame = await chatFrame(page, 30_000).catch(async () => {
            await runCommand(page, "Gemma Code: Open Chat");
            return chatFrame(page);
        });
        await frame.locator("#history-toggle").click();
        const entries = frame.locator("#history .history-open");
        await entries.first().waitFor({timeout: 30_000});
        await entries.first().click();
        await frame.locator(".message.assistant", {hasText: MARKER}).waitFor({timeout: 30_000});
        assert.deepEqual(await frame.evaluate(findExecutable), []);
    });
});
