#!/usr/bin/env node
// Builds one .vsix per platform (vsce package --target): the production bundles, node-llama-cpp with the
// runtime dependencies it imports, and only that platform's CPU (Metal on macOS) binaries. Each target is
// staged in .package/<target>/ first, so vsce packs exactly what is staged and nothing from the repository.
//   node scripts/package.mjs [--target linux-x64]... [--skip-build]     (npm run package)
// --skip-build reuses .package/dist from the last run.
// Prints each package's size; the .vsix files land in .package/vsix/.
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {productionPackages, stageExtension} from "./package/stage.mjs";
import {TARGETS} from "./package/targets.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const wanted = args.flatMap((a, i) => a === "--target" ? [args[i + 1]] : []);
const targets = wanted.length > 0 ? wanted : Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(", ")}`);
const outDir = path.join(root, ".package/vsix");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

const vsce = path.join(root, "node_modules/@vscode/vsce/vsce");
// The production bundles (no maps, no test hooks) go to their own folder: dist/ keeps the development build.
const distDir = path.join(root, ".package/dist");
if (!args.includes("--skip-build")) {
    fs.rmSync(distDir, {recursive: true, force: true});
    execFileSync(process.execPath, [path.join(root, "esbuild.mjs"), "--production", `--dist=${distDir}`], {cwd: root, stdio: "inherit"});
}
fs.mkdirSync(outDir, {recursive: true});
const packages = productionPackages(root);
const rows = [];
for (const target of targets) {
    const dir = path.join(root, ".package", target);
    stageExtension({root, dir, prebuilt: TARGETS[target], packages, distDir});
    const out = path.join(outDir, `${manifest.name}-${target}-${manifest.version}.vsix`);
    // --no-dependencies would leave node_modules out; vsce's own `npm ls` in the stage lists what is staged.
    execFileSync(process.execPath, [vsce, "package", "--target", target, "--out", out, "--no-yarn",
        // No repository yet: README links stay relative, and vsce must not stop to ask about it.
        "--no-rewrite-relative-links", "--allow-missing-repository"], {cwd: dir, stdio: ["ignore", "inherit", "inherit"]});
    const files = execFileSync("unzip", ["-Z1", out], {encoding: "utf8"}).trim().split("\n").length;
    const unpacked = Number(execFileSync("unzip", ["-Zt", out], {encoding: "utf8"}).match(/([\d]+) bytes uncompressed/)?.[1] ?? 0);
    rows.push({target, file: path.relative(root, out), mb: fs.statSync(out).size / 1e6, unpackedMb: unpacked / 1e6, files});
}
console.log("\n| target | package | size | unpacked | files |\n|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.target} | ${r.file} | ${r.mb.toFixed(1)} MB | ${r.unpackedMb.toFixed(1)} MB | ${r.files} |`);
fs.writeFileSync(path.join(outDir, "sizes.json"), JSON.stringify(rows, null, 2) + "\n");
