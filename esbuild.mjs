// Bundles the extension, the language server, the CLI, the chat webview script and the test suites.
// node-llama-cpp stays external: it is ESM with native binaries and ships in node_modules (see .vscodeignore).
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";

const watch = process.argv.includes("--watch");
const production = process.argv.includes("--production");
// --dist=DIR: where the product bundles go (scripts/package.mjs builds into its own folder, leaving dist/ alone).
const dist = process.argv.find((a) => a.startsWith("--dist="))?.slice("--dist=".length) ?? "dist";
const common = {
    bundle: true,
    sourcemap: production ? false : "linked",
    minify: production,
    logLevel: "warning",
    target: "node20",
    platform: "node",
    format: "cjs",
    external: ["vscode", "node-llama-cpp"],
    // Test hooks (src/chat/testHooks.ts) exist in development builds only; the shipped bundle has none.
    define: {GEMMA_CODE_TEST_HOOKS: production ? "false" : "true"}
};

function listTests(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, {recursive: true})
        .map((f) => path.join(dir, f))
        .filter((f) => /\.test\.ts$|[\\/]index\.ts$|[\\/]run-[a-z-]+\.ts$/.test(f));
}

const builds = [
    {...common, entryPoints: {extension: "src/extension.ts"}, outdir: dist},
    {...common, entryPoints: {server: "language-server/entry.ts"}, outdir: dist},
    // Module hooks run in their own ES module (module.register takes a URL), next to server.js.
    {...common, format: "esm", entryPoints: {backendHooks: "language-server/engine/local/backendHooks.ts"}, outdir: dist,
        outExtension: {".js": ".mjs"}},
    {...common, entryPoints: {cli: "language-server/cli/main.ts"}, outdir: dist, banner: {js: "#!/usr/bin/env node"}},
    {...common, platform: "browser", format: "iife", target: "es2022", external: [],
        entryPoints: {webview: "media/main.ts"}, outdir: dist}
];
if (!production) {
    // bench/speculative.ts runs by name (npm run bench:speculative), outside the run-*.ts pattern.
    const tests = [...listTests("test"), ...listTests("bench"), ...["bench/speculative.ts", "bench/engine.ts"].filter((f) => fs.existsSync(f))];
    builds.push({...common, entryPoints: tests, outbase: ".", outdir: "out",
        external: [...common.external, "mocha", "playwright-core", "@vscode/test-electron"]});
}

const present = builds.filter((b) => Object.values(b.entryPoints).every((e) => fs.existsSync(e)));
if (watch) {
    for (const b of present) await (await esbuild.context(b)).watch();
} else {
    await Promise.all(present.map((b) => esbuild.build(b)));
}
