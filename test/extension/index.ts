// Entry of the extension-host suite, with @vscode/test-electron's contract (code-server's workbench honours the
// same one): VS Code loads this file in the extension host and awaits run(); a rejection means failure.
import fs from "node:fs";
import path from "node:path";
import type MochaType from "mocha";

export async function run(): Promise<void> {
    // mocha comes from the extension's node_modules (esbuild keeps it external). Mocha 12 is ESM with a
    // default export; require(esm) gives the namespace object, so take `default` when it is there.
    const mod = require("mocha");
    const Mocha: typeof MochaType = mod.default ?? mod;
    const mocha = new Mocha({ui: "bdd", timeout: 60_000, color: false, reporter: "spec"});
    // This file is out/test/extension/index.js; the bundled suites sit next to it.
    const only = (process.env.GEMMA_CODE_EXTENSION_TESTS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const except = (process.env.GEMMA_CODE_EXTENSION_TESTS_EXCEPT ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.js")).sort()) {
        const name = f.replace(/\.test\.js$/, "");
        if ((only.length && !only.includes(name)) || except.includes(name)) continue;
        mocha.addFile(path.join(__dirname, f));
    }
    await mocha.loadFilesAsync();
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
