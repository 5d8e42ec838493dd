// What the linux-x64 .vsix ships (npm run package): every file inside an allow-list, no test command or hook,
// and under the size target. Builds the package first (about 30 s; later targets' builds are offline).
//   npx mocha --timeout 300000 out/test/package/vsix.test.js
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {repoRoot} from "../support/paths";

const TARGET = "linux-x64";
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
const vsix = path.join(repoRoot, `.package/vsix/${manifest.name}-${TARGET}-${manifest.version}.vsix`);
const stage = path.join(repoRoot, ".package", TARGET);
/** The target for each per-platform package (Open VSX's hard limit is 256 MB). */
const MAX_MB = 60;

/**
 * The allow-list, written out here on purpose (not imported from the packaging script, so a change there that
 * ships more shows up here). Paths are relative to the extension folder.
 */
const ALLOWED: RegExp[] = [
    /^(package\.json|README\.md|readme\.md|LICENSE|LICENSE\.txt)$/,
    /^package\.nls(\.[a-z]{2}(-[a-z]{2})?)?\.json$/,
    /^l10n\/bundle\.l10n(\.[a-z]{2}(-[a-z]{2})?)?\.json$/,
    // The language server's own messages (language-server/l10n.ts reads them next to dist/).
    /^l10n\/server\/bundle\.l10n(\.[a-z]{2}(-[a-z]{2})?)?\.json$/,
    /^dist\/(extension|server|cli|webview)\.js$/,
    /^dist\/backendHooks\.mjs$/,
    /^media\/(chat\.css|gemma\.svg)$/,
    /^media\/walkthrough\/([a-z]{2}(-[a-z]{2})?\/)?\w+\.md$/,
    // This target's CPU backend, and nothing of any other platform or GPU.
    /^node_modules\/@node-llama-cpp\/linux-x64\/(package\.json|LICENSE|dist\/index\.js|bins\/linux-x64\/[\w.-]+\.(so|node|json))$/,
    // node-llama-cpp's runtime: its JavaScript, grammars and small JSON files; not llama.cpp's sources.
    /^node_modules\/node-llama-cpp\/(package\.json|LICENSE|dist\/[\w./-]+\.(js|json)|llama\/(grammars\/[\w-]+\.gbnf|[\w.]+\.json))$/,
    // Its JavaScript dependencies: code, JSON and license texts only.
    /^node_modules\/(?!node-llama-cpp\/|@node-llama-cpp\/|typescript\/)(@[\w.-]+\/)?[\w.-]+\/([\w@.-]+\/)*([\w.-]+\.(js|cjs|mjs|json)|(licen[cs]e|notice|copying)[\w.-]*)$/i
];
/** Never, whatever the allow-list's wording. */
const FORBIDDEN = [/\.map$/, /\.d\.[cm]?ts$/, /(^|\/)(test|tests|__tests__|__mocks__)\//, /gitRelease\.bundle$/,
    /\.gguf$/, /\/llama\.cpp\//, /cuda|vulkan/i];
/** Strings of the test hooks that must not be in the shipped bundle. */
const HOOK_STRINGS = ["gemmaCode.test.", "injectAssistantReply", "GEMMA_CODE_TEST", "gemmaCode.testMode", "lastItems", "appendReply",
    "registerChatTestHooks"];

/** What `vsce ls` says the package holds (run in the staged extension folder, as `vsce package` is). */
function vsceList(): string[] {
    return execFileSync(process.execPath, [path.join(repoRoot, "node_modules/@vscode/vsce/vsce"), "ls", "--no-yarn"],
        {cwd: stage, encoding: "utf8"}).trim().split("\n");
}

function outsideAllowList(files: string[]): string[] {
    return files.filter((f) => !ALLOWED.some((re) => re.test(f)) || FORBIDDEN.some((re) => re.test(f)));
}

function vsixEntries(): string[] {
    return execFileSync("unzip", ["-Z1", vsix], {encoding: "utf8"}).trim().split("\n");
}

function vsixFile(entry: string): string {
    return execFileSync("unzip", ["-p", vsix, entry], {encoding: "utf8", maxBuffer: 64 << 20});
}

describe(`the ${TARGET} .vsix`, function () {
    this.timeout(300_000);

    before(() => {
        execFileSync(process.execPath, [path.join(repoRoot, "scripts/package.mjs"), "--target", TARGET],
            {cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"]});
    });

    it("lists (vsce ls) only files of the allow-list", () => {
        const listed = vsceList();
        assert.ok(listed.includes("dist/server.js") && listed.includes("node_modules/node-llama-cpp/package.json"), listed.slice(0, 20).join("\n"));
        assert.deepEqual(outsideAllowList(listed), []);
    });

    it("holds exactly those files, and the backend this target loads", () => {
        const entries = vsixEntries().filter((e) => e.startsWith("extension/")).map((e) => e.slice("extension/".length));
        assert.deepEqual(outsideAllowList(entries), []);
        for (const needed of ["dist/extension.js", "dist/server.js", "dist/backendHooks.mjs",
            "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node", "node_modules/node-llama-cpp/dist/index.js",
            // Every bundle of the server's messages, English and each translation (l10n/server/).
            ...fs.readdirSync(path.join(repoRoot, "l10n/server")).map((f) => `l10n/server/${f}`)]) {
            assert.ok(entries.includes(needed), `${needed} is missing`);
        }
    });

    it("holds every file the manifest names, in every language (the walkthrough's pages, the icons)", () => {
        const entries = new Set(vsixEntries().filter((e) => e.startsWith("extension/")).map((e) => e.slice("extension/".length)));
        const manifest = JSON.parse(vsixFile("extension/package.json"));
        const nlsFiles = [...entries].filter((e) => /^package\.nls(\.[\w-]+)?\.json$/.test(e));
        assert.ok(nlsFiles.length >= 7, nlsFiles.join());
        const named: string[] = [];
        const walk = (v: unknown, key: string): void => {
            if (typeof v === "string") {
                const nlsKey = /^%([^%]+)%$/.exec(v)?.[1];
                const values = nlsKey ? nlsFiles.map((f) => JSON.parse(vsixFile(`extension/${f}`))[nlsKey] as string) : [v];
                for (const value of values) if (["markdown", "icon", "light", "dark", "image"].includes(key) && /\.\w+$/.test(value)) named.push(value);
            } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
            else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
        };
        walk(manifest.contributes, "");
        assert.ok(named.filter((f) => f.endsWith(".md")).length >= 4 * 7, named.join("\n"));
        assert.deepEqual([...new Set(named)].filter((f) => !entries.has(f.replace(/^\.\//, ""))), []);
    });

    it("has no test command or hook in package.json or dist/extension.js", () => {
        // The files as `vsce ls` lists them for packing, and as they are inside the .vsix.
        const listed = vsceList();
        assert.ok(listed.includes("package.json") && listed.includes("dist/extension.js"), listed.slice(0, 20).join("\n"));
        const read = (file: string) => [fs.readFileSync(path.join(stage, file), "utf8"), vsixFile(`extension/${file}`)];
        for (const shipped of read("package.json")) {
            const manifest = JSON.parse(shipped);
            const commands = (manifest.contributes.commands as {command: string}[]).map((c) => c.command);
            assert.deepEqual(commands.filter((c) => !/^gemmaCode\.[a-zA-Z]+$/.test(c) || /test/i.test(c)), []);
            const menuCommands = Object.values(manifest.contributes.menus as Record<string, {command: string; when?: string}[]>).flat();
            assert.deepEqual(menuCommands.filter((m) => /test/i.test(`${m.command} ${m.when ?? ""}`)), []);
            assert.equal(manifest.scripts, undefined);
            assert.deepEqual(HOOK_STRINGS.filter((s) => shipped.includes(s)), []);
        }
        for (const bundle of read("dist/extension.js")) {
            assert.deepEqual(HOOK_STRINGS.filter((s) => bundle.includes(s)), []);
            assert.doesNotMatch(bundle, /sourceMappingURL/);
        }
    });

    it(`is under ${MAX_MB} MB`, () => {
        const mb = fs.statSync(vsix).size / 1e6;
        console.log(`      ${path.basename(vsix)}: ${mb.toFixed(1)} MB, ${vsixEntries().length} entries`);
        assert.ok(mb < MAX_MB, `${mb.toFixed(1)} MB`);
    });
});
