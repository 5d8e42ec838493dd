// Runs the extension-host suite (out/test/extension/index.js) inside a real VS Code and exits with its result.
//   node out/test/run-extension-tests.js
// Default host: code-server + headless Chromium (works offline; scripts/install-test-tools.sh installs both).
// GEMMA_CODE_TEST_HOST=electron: desktop VS Code via @vscode/test-electron (needs to download VS Code).
// GEMMA_CODE_EXTENSION_PATH: the extension to load (default: the repository root).
// GEMMA_CODE_TEST_TIMEOUT_MS: global timeout (default 10 minutes).
// GEMMA_CODE_VSIX: a built .vsix (scripts/package.mjs) to install into code-server with --install-extension and
//   test instead of the folder; a test-only runner extension (test/fixtures/test-runner-extension) carries the
//   suite, since code-server loads tests only beside an extension under development.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {runTests} from "@vscode/test-electron";
import {copyFixtureWorkspace, defaultUserSettings, ensureTinyModel, repoRoot, startCodeServer, writeUserSettings}
    from "./support/codeServer";
import {openWorkbench} from "./support/workbench";

const root = repoRoot();
const extensionDevelopmentPath = path.resolve(process.env.GEMMA_CODE_EXTENSION_PATH ?? root);
const extensionTestsPath = path.join(root, "out/test/extension/index.js");
// GEMMA_CODE_EXTENSION_TESTS: comma-separated suite names (e.g. "review,typingGuarantees") to run only those.
const vsix = process.env.GEMMA_CODE_VSIX ? path.resolve(process.env.GEMMA_CODE_VSIX) : undefined;
// The messages suite records the extension's notifications by replacing vscode.window's methods, which works only
// when the suite is bundled into the extension (the folder run): an installed .vsix has its own API object.
const extensionEnvironment: Record<string, string> = {GEMMA_CODE_TEST: "1", GEMMA_CODE_EXTENSION_TESTS: process.env.GEMMA_CODE_EXTENSION_TESTS ?? "",
    GEMMA_CODE_EXTENSION_TESTS_EXCEPT: vsix ? "messages" : ""};
const timeoutMs = Number(process.env.GEMMA_CODE_TEST_TIMEOUT_MS ?? 10 * 60_000);
const cleanups: (() => Promise<unknown>)[] = [];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (msg: string) => console.log(`[run-extension-tests ${elapsed()}] ${msg}`);

function prepare(): {workspace: string; settings: Record<string, unknown>} {
    if (!fs.existsSync(extensionTestsPath)) throw new Error(`${extensionTestsPath} is missing: run node esbuild.mjs`);
    const model = ensureTinyModel(root);
    const {workspace, remove} = copyFixtureWorkspace(root);
    cleanups.push(async () => remove());
    return {workspace, settings: {"gemmaCode.modelPath": model}};
}

async function runInCodeServer(workspace: string, settings: Record<string, unknown>): Promise<number> {
    const server = await startCodeServer({workspace, userSettings: settings, installExtensions: vsix ? [vsix] : []});
    cleanups.push(server.stop);
    log(`code-server listening at ${server.origin}`);
    let developmentPath = extensionDevelopmentPath;
    if (vsix) {
        const installed = fs.readdirSync(server.extensionsDir).filter((d) => d.startsWith("gemma-code.gemma-code-"));
        if (installed.length !== 1) throw new Error(`installing ${vsix} gave ${JSON.stringify(installed)}`);
        extensionEnvironment.GEMMA_CODE_EXPECT_INSTALLED = path.join(server.extensionsDir, installed[0]);
        developmentPath = path.join(root, "test/fixtures/test-runner-extension");
        log(`installed ${path.basename(vsix)} as ${installed[0]}`);
    }
    const wb = await openWorkbench(server, {extensionDevelopmentPath: developmentPath, extensionTestsPath, extensionEnvironment});
    cleanups.push(wb.close);
    // The workbench is drawn once the status bar exists; only a timing aid, the suite does not need it.
    wb.page.locator(".part.statusbar").waitFor({timeout: 120_000})
        .then(() => log("workbench drawn"), () => undefined);
    const code = await wb.exitCode;
    log(`suite finished with exit code ${code}`);
    if (code !== 0) console.log(`--- code-server output (tail) ---\n${server.output.slice(-30).join("\n")}`);
    return code;
}

async function runInElectron(workspace: string, settings: Record<string, unknown>): Promise<number> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-vscode-"));
    cleanups.push(async () => fs.rmSync(tmp, {recursive: true, force: true}));
    writeUserSettings(path.join(tmp, "user-data"), {...defaultUserSettings, ...settings});
    try {
        return await runTests({extensionDevelopmentPath, extensionTestsPath, extensionTestsEnv: extensionEnvironment,
            launchArgs: [workspace, "--user-data-dir", path.join(tmp, "user-data"),
                "--extensions-dir", path.join(tmp, "extensions"), "--disable-workspace-trust", "--skip-welcome",
                "--skip-release-notes"]});
    } catch (err) {
        // runTests rejects on a non-zero exit code; the reporter output already says what failed.
        console.error(String(err));
        return 1;
    }
}

/** Last in, first out: the browser, then code-server, then the workspace it had open. */
async function cleanup(): Promise<void> {
    for (const c of cleanups.splice(0).reverse()) await c().catch((err) => console.error("cleanup:", err));
}

async function main(): Promise<void> {
    const timer = setTimeout(async () => {
        console.error(`[run-extension-tests] TIMEOUT: no result after ${timeoutMs / 1000} s; killing VS Code`);
        // Bounded: process exit handlers still SIGKILL code-server and Chromium if cleanup hangs.
        await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 10_000))]);
        process.exit(124);
    }, timeoutMs);
    let code = 1;
    try {
        const {workspace, settings} = prepare();
        const host = process.env.GEMMA_CODE_TEST_HOST ?? "code-server";
        log(`host ${host}, extension ${vsix ?? extensionDevelopmentPath}`);
        code = host === "electron" ? await runInElectron(workspace, settings) : await runInCodeServer(workspace, settings);
    } catch (err) {
        console.error("[run-extension-tests]", err);
    } finally {
        clearTimeout(timer);
        await cleanup();
    }
    log(code === 0 ? "PASSED" : `FAILED (exit code ${code})`);
    process.exit(code);
}

void main();
