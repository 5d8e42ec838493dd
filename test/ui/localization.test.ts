// UI test: the extension in the user's language. code-server started with `--locale hi` and with `--locale ar`
// (VS Code's display language, vscode.env.language: our l10n bundles and package.nls files are chosen by it). VS Code
// takes --locale only when a language pack for it is installed, else everything stays English: the test installs a
// stub pack (test/fixtures/language-packs) that declares hi and ar and translates nothing of VS Code's own UI, which
// therefore stays English, as it would with a partial community pack. Checks the command
// palette's titles, the status item, a notification toast and the chat panel (lang, dir, its texts), and keeps
// screenshots (test/artifacts/l10n-hi.png, l10n-ar.png: the Arabic one right to left; l10n-<locale>-notification.png).
// The extension is installed in code-server (a staged copy of the built folder), not loaded under development: the
// smoke-test driver that the development payload needs hides notification toasts.
//   npx mocha out/test/ui/localization.test.js
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {type CodeServer, copyFixtureWorkspace, ensureTinyModel, repoRoot, stagedExtensionFolder, startCodeServer} from "../support/codeServer";
import {chatFrame, filterQuickInput, keepFailureArtifacts, openWorkbench, quickOpen, runCommand, type Workbench} from "../support/workbench";

const root = repoRoot();
const artifacts = path.join(root, "test/artifacts");
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8")) as Record<string, string>;

for (const locale of ["hi", "ar"] as const) {
    describe(`the extension in ${locale} (code-server --locale ${locale})`, function () {
        this.timeout(300_000);
        const bundle = json(`l10n/bundle.l10n.${locale}.json`);
        const nls = json(`package.nls.${locale}.json`);
        const serverBundle = json(`l10n/server/bundle.l10n.${locale}.json`);
        const rtl = locale === "ar";
        let server: CodeServer | undefined;
        let wb: Workbench | undefined;
        let removeWorkspace = () => {};

        before(async function () {
            const model = ensureTinyModel(root);
            const copy = copyFixtureWorkspace(root);
            // Installed, not under development: the smoke-test driver that a dev payload needs hides every
            // notification toast (see StartOptions.smokeTestDriver), and a user's workbench has none.
            const extension = stagedExtensionFolder(path.resolve(process.env.GEMMA_CODE_EXTENSION_PATH ?? root));
            removeWorkspace = () => {
                copy.remove();
                extension.remove();
            };
            // VS Code takes a display language only with a language pack for it (else vscode.env.language stays "en"):
            // test/fixtures/language-packs declares hi and ar as one would, translating none of VS Code's own strings.
            server = await startCodeServer({workspace: copy.workspace, args: ["--locale", locale], smokeTestDriver: false,
                extensionFolders: [path.join(root, "test/fixtures/language-packs"), extension.folder],
                userSettings: {"gemmaCode.modelPath": model, "workbench.colorTheme": "Default Light Modern"}});
            wb = await openWorkbench(server, {logPrefix: process.env.GEMMA_CODE_TEST_VERBOSE ? "[vscode] " : ""});
            fs.mkdirSync(artifacts, {recursive: true});
            await wb.page.locator(".part.statusbar").waitFor({timeout: 120_000});
            // The extension's commands are in the palette once the extension host has scanned it: its status item is there.
            await wb.page.locator(".statusbar-item[aria-label*='Gemma Code']").first().waitFor({timeout: 120_000});
        });
        afterEach(async function () {
            await keepFailureArtifacts(this.currentTest, wb, artifacts, `l10n-${locale}`);
        });
        after(async function () {
            await wb?.close();
            await server?.stop();
            removeWorkspace();
        });

        /** Runs a command by its title in this locale (package.nls.<locale>.json), as a user of it would. */
        const run = async (titleKey: string) => {
            const page = wb!.page;
            const title = `${nls.category}: ${nls[titleKey]}`;
            await runCommand(page, title);
        };

        it("the command palette lists our commands with their translated titles", async function () {
            const page = wb!.page;
            const rows = page.locator(".quick-input-widget .monaco-list-row");
            for (const key of ["command.showLog", "command.reviewFile", "command.focusChat"]) {
                await page.keyboard.press("F1");
                await filterQuickInput(page, `>${nls[key]}`);
                await rows.filter({hasText: `${nls.category}: ${nls[key]}`}).first().waitFor({timeout: 30_000});
                await page.keyboard.press("Escape");
            }
        });

        it("the status item says the model state in the display language, numbers formatted for it", async function () {
            const item = wb!.page.locator("[id='gemma-code.gemma-code.gemmaCode.status'], .statusbar-item[aria-label*='Gemma']").first();
            await item.waitFor({timeout: 120_000});
            await wb!.page.waitForFunction((ready) => [...document.querySelectorAll(".statusbar-item")]
                .some((e) => (e.getAttribute("aria-label") ?? "").includes(ready)), bundle["Gemma is ready."], {timeout: 120_000});
            // The server's own sentence after it ("<model> ready on CPU."), translated by the language server for the
            // locale vscode-languageclient sent in `initialize` (l10n/server), the model's name and the backend kept.
            const said = serverBundle["{0} ready on {1}."];
            const escaped = said.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
            const pattern = new RegExp(escaped.replace("{0}", ".+").replace("{1}", "CPU"));
            const label = await wb!.page.evaluate((ready) => [...document.querySelectorAll(".statusbar-item")]
                .map((e) => e.getAttribute("aria-label") ?? "").find((l) => l.includes(ready)) ?? "", bundle["Gemma is ready."]);
            assert.match(label, pattern, `the server's ready message in ${locale} ("${said}")`);
        });

        it("a notification is translated: turning completions off for the file's language says so in a toast", async function () {
            const page = wb!.page;
            // A command that needs no model and always answers: it flips gemmaCode.completion.enable for the active
            // editor's language and says which way in an information message (src/snooze.ts).
            await quickOpen(page, "sample.py");
            await page.locator(".editor-instance .monaco-editor").first().waitFor({timeout: 30_000});
            await run("command.toggleLanguageCompletions");
            const off = bundle["Gemma Code: completions off for {0}."].replace("{0}", "python");
            // The toast, once its fade-in is over (VS Code marks it so), so the screenshot shows it in full.
            await page.locator(".notifications-toasts .notification-toast.notification-fade-in-done", {hasText: off}).first()
                .waitFor({timeout: 60_000});
            await page.screenshot({path: path.join(artifacts, `l10n-${locale}-notification.png`)});
            // Back on, so the rest of the suite and the workspace's settings are as they were.
            await run("command.toggleLanguageCompletions");
            const on = bundle["Gemma Code: completions on for {0}."].replace("{0}", "python");
            await page.locator(".notifications-toasts .notification-toast", {hasText: on}).first().waitFor({timeout: 60_000});
        });

        it(`the chat panel is in ${locale}, ${rtl ? "right to left" : "left to right"}, with messages dir=auto and code left to right`, async function () {
            const page = wb!.page;
            await quickOpen(page, "sample.ts");
            await run("command.focusChat");
            const frame = await chatFrame(page);
            assert.equal(await frame.evaluate(() => document.documentElement.lang), locale, "vscode.env.language reached the page");
            assert.equal(await frame.evaluate(() => document.documentElement.dir), rtl ? "rtl" : "ltr");
            assert.equal((await frame.locator("#send").textContent())?.trim(), bundle.Send);
            assert.equal((await frame.locator("#new-chat").textContent())?.trim(), bundle["New Chat"]);
            assert.equal(await frame.locator("#input").getAttribute("placeholder"), bundle["Ask Gemma… (@ to attach a file)"]);
            await frame.locator(".state.state-ready").waitFor({timeout: 120_000});
            const question = rtl ? "ما الذي تفعله الدالة add؟" : "फ़ंक्शन add क्या करता है?";
            await frame.locator("#input").fill(question);
            await frame.locator("#input").press("Enter");
            const asked = frame.locator(".message.user .body", {hasText: question});
            await asked.waitFor({timeout: 30_000});
            assert.equal(await asked.getAttribute("dir"), "auto");
            assert.equal(await asked.evaluate((e) => getComputedStyle(e).direction), rtl ? "rtl" : "ltr");
            await frame.locator("#send").waitFor({state: "visible", timeout: 120_000});
            // A reply's code block stays left to right in a right-to-left panel: test/unit/chatRender.test.ts.
            await page.screenshot({path: path.join(artifacts, `l10n-${locale}.png`)});
        });
    });
}
