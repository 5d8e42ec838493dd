// Opens code-server's workbench in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// with an extension under development, and optionally its extension-host tests.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {format} from "node:util";
import {chromium, type BrowserContext, type Frame, type Page} from "playwright-core";
import {type CodeServer, copyFixtureWorkspace, type DevPayload, ensureTinyModel, repoRoot, startCodeServer, workbenchUrl}
    from "./codeServer";

export interface WorkbenchOptions extends DevPayload {
    /** Written into the server's user settings before the page loads, e.g. "Default Light Modern". */
    colorTheme?: string;
    /** Prefix for forwarded console output on stdout; "" prints nothing (it is still kept in `logs`). */
    logPrefix?: string;
}

export interface Workbench {
    page: Page;
    context: BrowserContext;
    /** Resolved by the workbench's codeAutomationExit: the extension tests' exit code. */
    exitCode: Promise<number>;
    /** Workbench and extension-host console output, as forwarded through codeAutomationLog. */
    logs: string[];
    close(): Promise<void>;
}

/** Harmless failures of a machine without internet; kept in `logs` but not printed. */
const OFFLINE_NOISE = /ENOTFOUND (open-vsx\.org|[\w.]*\.microsoft\.com)|File not found.*vsda|authentication provider 'github'/;

function formatLogMessage(message: unknown): string {
    if (Array.isArray(message)) return format(...message);
    return typeof message === "string" ? message : JSON.stringify(message);
}

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function openWorkbench(server: CodeServer, opts: WorkbenchOptions): Promise<Workbench> {
    if (opts.colorTheme) {
        const file = path.join(server.userDataDir, "User", "settings.json");
        const settings = JSON.parse(fs.readFileSync(file, "utf8"));
        fs.writeFileSync(file, JSON.stringify({...settings, "workbench.colorTheme": opts.colorTheme}, null, 2));
    }
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-chromium-"));
    // playwright refuses --user-data-dir in args; a persistent context is how a fresh profile dir is given.
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        viewport: {width: 1280, height: 800},
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    });
    const page = context.pages()[0] ?? await context.newPage();

    let resolveExit!: (code: number) => void;
    let rejectExit!: (err: Error) => void;
    const exitCode = new Promise<number>((res, rej) => { resolveExit = res; rejectExit = rej; });
    exitCode.catch(() => { /* callers that only drive the UI never await it */ });
    page.once("crash", () => rejectExit(new Error("the workbench page crashed")));

    const logs: string[] = [];
    const prefix = opts.logPrefix ?? "[vscode] ";
    const keep = (level: string, text: string) => {
        const line = level === "info" || level === "log" ? text : `${level}: ${text}`;
        logs.push(line);
        if (prefix && !OFFLINE_NOISE.test(line)) {
            process.stdout.write(line.split("\n").map((l) => prefix + l).join("\n") + "\n");
        }
    };
    // Both hooks must exist before the page loads: the smoke-test driver looks them up at startup.
    // VS Code 1.139 calls codeAutomationLog(level, message); for console output (the workbench's and the
    // extension host's, e.g. mocha's reporter) message is the array of the console.log arguments.
    await page.exposeFunction("codeAutomationLog",
        (level: string, message: unknown) => keep(level, formatLogMessage(message)));
    await page.exposeFunction("codeAutomationExit", (code: number) => resolveExit(code));
    if (!opts.extensionTestsPath) {
        // Without a tests path VS Code does not call codeAutomationLog; the extension host's console output
        // still reaches the page's console as console.log("%c[Extension Host] %c" + message, css, css).
        page.on("console", (msg) => {
            const first = msg.args()[0];
            if (!msg.text().startsWith("%c[Extension Host]") || !first) return;
            first.jsonValue().then((v) => keep(msg.type(), String(v).replace(/%c/g, "")), () => undefined);
        });
    }

    // Generous: on a loaded machine, and with a language pack (its translation cache is built on the first load),
    // the workbench page takes longer than playwright's default 30 s.
    await page.goto(workbenchUrl(server, opts), {timeout: 120_000});

    let closed: Promise<void> | undefined;
    const close = () => closed ??= (async () => {
        await context.close().catch(() => undefined);
        fs.rmSync(profile, {recursive: true, force: true});
    })();
    return {page, context, exitCode, logs, close};
}

/** Sets the filter of the quick input that is opening to `prefix + text` and clicks the first row showing `text`:
 *  Enter would pick whichever row is highlighted at that moment (a recently used one, or the first before the list
 *  has filtered). The filter is set with fill(), which focuses the box and sets its whole value, not typed key by key:
 *  once in CI the palette, opened over the walkthrough and visible, never listed "View: Close All Editors" in 90 s,
 *  which fits keys typed before the box had the focus (the log kept no more). On failure it prints what the box
 *  holds and lists, for the next time. */
export async function pickInQuickInput(page: Page, text: string, prefix = "") {
    const quickInput = page.locator(".quick-input-widget");
    const box = await filterQuickInput(page, prefix + text);
    const row = quickInput.locator(".monaco-list-row", {hasText: text}).first();
    // Quick Open's file search can take most of a minute on a loaded 2-core machine (seen at load 30), so the
    // second try waits longer. A second fill() makes the list filter again should the first input event be lost.
    for (const timeout of [30_000, 60_000]) {
        if (timeout === 60_000) await box.fill(prefix + text);
        try {
            await row.click({timeout});
            return;
        } catch (err) {
            const rows = await quickInput.locator(".monaco-list-row").allTextContents().catch(() => []);
            console.log(`      quick input ${JSON.stringify(await box.inputValue().catch(() => "?"))} lists ${JSON.stringify(rows.slice(0, 5))}`);
            if (timeout === 60_000) throw err;
        }
    }
}

/** Sets the filter of the quick input that is opening (see pickInQuickInput for why not by typing); returns its box. */
export async function filterQuickInput(page: Page, value: string) {
    const box = page.locator(".quick-input-widget .quick-input-box input");
    await box.waitFor({state: "visible", timeout: 30_000});
    await box.fill(value);
    return box;
}

/** Opens a workspace file with Quick Open (Ctrl+P). */
export async function quickOpen(page: Page, fileName: string) {
    await page.keyboard.press("Control+P");
    await pickInQuickInput(page, fileName);
}

/** Runs a command from the command palette by its title, e.g. "Gemma Code: Open Chat". */
export async function runCommand(page: Page, title: string) {
    await page.keyboard.press("F1");
    await pickInQuickInput(page, title, ">");
}

/** For a mocha afterEach: a screenshot named after the failed test and the workbench log's tail. */
export async function keepFailureArtifacts(test: Mocha.Test | undefined, wb: Workbench | undefined, dir: string, prefix: string) {
    if (test?.state !== "failed" || !wb) return;
    const name = `${prefix}-failure-${test.title.replace(/\W+/g, "-")}.png`;
    await wb.page.screenshot({path: path.join(dir, name)}).catch(() => undefined);
    console.log(`--- workbench log (tail) ---\n${wb.logs.slice(-30).join("\n")}`);
}

/** The chat webview's content frame (webviews are nested iframes; ours is the one with #log and #input). */
export async function chatFrame(page: Page, timeoutMs = 60_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        for (const frame of page.frames()) {
            const found = await frame.evaluate(() => !!document.querySelector("#log") && !!document.querySelector("#input"))
                .catch(() => false);
            if (found) return frame;
        }
        await page.waitForTimeout(250);
    }
    throw new Error("the chat webview did not appear");
}

export interface WorkbenchSuiteOptions {
    /** Failure screenshots are test/artifacts/<artifactsPrefix>-failure-<test>.png. */
    artifactsPrefix: string;
    /** User settings; gemmaCode.modelPath is the tiny model unless given here (undefined: none). */
    userSettings?: Record<string, unknown>;
    /** Runs on the copy of test/fixtures/workspace before code-server starts. */
    prepareWorkspace?: (workspace: string) => void;
    /** code-server's environment (its extension host inherits it). */
    env?: NodeJS.ProcessEnv;
    /** The extension host's environment, for the extension under development. */
    extensionEnvironment?: Record<string, string>;
}

/** What startWorkbench's hooks set up; its fields are valid inside the tests (after before()). */
export interface WorkbenchSuite {
    server: CodeServer;
    wb: Workbench;
    page: Page;
    workspace: string;
    artifacts: string;
    /** The extension under development, as the workbench was opened with it (for more windows: workbenchUrl). */
    dev: DevPayload;
}

/**
 * One code-server and one workbench for the calling describe(): before() copies the fixture workspace, starts
 * code-server with the tiny model configured and opens the workbench with the extension under development
 * (GEMMA_CODE_EXTENSION_PATH, default: the repository root); afterEach() keeps a failed test's screenshot and log;
 * after() closes the browser, code-server and the workspace copy. `options` may be a function, read in before().
 */
export function startWorkbench(options: WorkbenchSuiteOptions | (() => WorkbenchSuiteOptions)): WorkbenchSuite {
    const suite = {} as WorkbenchSuite;
    let removeWorkspace = () => {};
    let prefix = "";
    before(async function () {
        const o = typeof options === "function" ? options() : options;
        prefix = o.artifactsPrefix;
        const root = repoRoot();
        const copy = copyFixtureWorkspace(root);
        removeWorkspace = copy.remove;
        suite.workspace = copy.workspace;
        o.prepareWorkspace?.(copy.workspace);
        const userSettings: Record<string, unknown> = "gemmaCode.modelPath" in (o.userSettings ?? {}) ? {...o.userSettings}
            : {"gemmaCode.modelPath": ensureTinyModel(root), ...o.userSettings};
        for (const [k, v] of Object.entries(userSettings)) if (v === undefined) delete userSettings[k];
        suite.server = await startCodeServer({workspace: copy.workspace, userSettings, env: o.env});
        suite.dev = {extensionDevelopmentPath: path.resolve(process.env.GEMMA_CODE_EXTENSION_PATH ?? root),
            extensionEnvironment: o.extensionEnvironment};
        suite.wb = await openWorkbench(suite.server, {...suite.dev, logPrefix: process.env.GEMMA_CODE_TEST_VERBOSE ? "[vscode] " : ""});
        suite.page = suite.wb.page;
        suite.artifacts = path.join(root, "test/artifacts");
        fs.mkdirSync(suite.artifacts, {recursive: true});
    });
    afterEach(async function () {
        await keepFailureArtifacts(this.currentTest, suite.wb, suite.artifacts, prefix);
    });
    after(async function () {
        await suite.wb?.close();
        await suite.server?.stop();
        removeWorkspace();
    });
    return suite;
}
