// Stages the extension as it ships (scripts/package.mjs packs the folder with vsce; the GPU-backend tests run the
// language server from a stage without binaries, as a user's machine has it before a backend is fetched).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {installPrebuilt} from "./prebuilt.mjs";
import {DROPPED_DIRS, DROPPED_PACKAGES, DROPPED_SCOPES, KEPT_FILE, NODE_LLAMA_CPP_BUILD_ONLY, RUNTIME_FILE} from "./targets.mjs";

/** Copies a package folder's runtime files (RUNTIME_FILE), without nested node_modules (copied as packages). */
function copyTree(from, to, skip = () => false) {
    fs.mkdirSync(to, {recursive: true});
    for (const entry of fs.readdirSync(from, {withFileTypes: true})) {
        const src = path.join(from, entry.name);
        const rel = path.relative(from, src);
        if (entry.name === "node_modules" || skip(rel) || (entry.isDirectory() && DROPPED_DIRS.has(entry.name))) continue;
        if (entry.isDirectory()) copyTree(src, path.join(to, entry.name), (r) => skip(path.join(rel, r)));
        else if (entry.isFile() && (KEPT_FILE.test(entry.name) || RUNTIME_FILE.test(entry.name))) {
            fs.copyFileSync(src, path.join(to, entry.name));
        }
    }
}

/** node_modules paths of the production dependency tree, as npm resolved it (platform packages excluded). */
export function productionPackages(root) {
    let out;
    try {
        out = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]});
    } catch (err) {
        out = err.stdout; // npm ls exits 1 for missing optional packages (other platforms' binaries)
    }
    return out.split("\n").map((l) => l.trim())
        .filter((p) => p.includes(`${path.sep}node_modules${path.sep}`))
        .map((p) => path.relative(path.join(root, "node_modules"), p))
        .filter((rel) => {
            const name = rel.split(`${path.sep}node_modules${path.sep}`).pop();
            return !DROPPED_PACKAGES.has(name) && !DROPPED_SCOPES.some((scope) => name.startsWith(scope));
        });
}

/** The manifest as shipped: no scripts, no devDependencies (the source has no test commands to drop). */
function shippedManifest(manifest) {
    const m = structuredClone(manifest);
    delete m.devDependencies;
    delete m.scripts;
    return m;
}

/**
 * Stages the extension as shipped into `dir`: manifest, README, LICENSE, bundles, media, the production
 * dependencies, and `prebuilt` (e.g. "linux-x64": @node-llama-cpp/linux-x64) or no binaries at all (null).
 */
export function stageExtension({root, dir, prebuilt, packages = productionPackages(root), distDir = path.join(root, "dist")}) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    const nlcVersion = JSON.parse(fs.readFileSync(path.join(root, "node_modules/node-llama-cpp/package.json"), "utf8")).version;
    if (nlcVersion !== manifest.dependencies["node-llama-cpp"]) {
        throw new Error(`node_modules has node-llama-cpp ${nlcVersion}, package.json wants ${manifest.dependencies["node-llama-cpp"]}: run npm ci`);
    }
    fs.rmSync(dir, {recursive: true, force: true});
    fs.mkdirSync(dir, {recursive: true});
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(shippedManifest(manifest), null, 2) + "\n");
    for (const f of ["README.md", "LICENSE"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
    // Translations: the manifest's (package.nls.<locale>.json) and the code's (l10n/bundle.l10n.<locale>.json).
    for (const f of fs.readdirSync(root).filter((f) => /^package\.nls(\.[\w-]+)?\.json$/.test(f))) {
        fs.copyFileSync(path.join(root, f), path.join(dir, f));
    }
    copyTree(path.join(root, "l10n"), path.join(dir, "l10n"));
    fs.mkdirSync(path.join(dir, "media"));
    for (const f of ["chat.css", "gemma.svg"]) fs.copyFileSync(path.join(root, "media", f), path.join(dir, "media", f));
    // The walkthrough's pages, English and one folder per language (package.nls.<locale>.json names them).
    const pages = path.join(root, "media", "walkthrough");
    for (const rel of fs.readdirSync(pages, {recursive: true}).filter((f) => f.endsWith(".md"))) {
        fs.mkdirSync(path.dirname(path.join(dir, "media", "walkthrough", rel)), {recursive: true});
        fs.copyFileSync(path.join(pages, rel), path.join(dir, "media", "walkthrough", rel));
    }
    fs.mkdirSync(path.join(dir, "dist"));
    for (const f of fs.readdirSync(distDir).filter((f) => /\.(js|mjs)$/.test(f))) {
        fs.copyFileSync(path.join(distDir, f), path.join(dir, "dist", f));
    }
    for (const rel of packages) {
        const skip = rel === "node-llama-cpp" ? (r) => NODE_LLAMA_CPP_BUILD_ONLY.includes(r.split(path.sep).join("/")) : undefined;
        copyTree(path.join(root, "node_modules", rel), path.join(dir, "node_modules", rel), skip);
    }
    if (prebuilt) {
        const name = `@node-llama-cpp/${prebuilt}`;
        installPrebuilt(root, name, nlcVersion, path.join(dir, "node_modules", name), (a, b) => copyTree(a, b));
    }
    // vsce applies its default ignores on top; everything staged is meant to ship.
    fs.writeFileSync(path.join(dir, ".vscodeignore"), "# staged by scripts/package.mjs: everything here ships\n.vscodeignore\n");
    return nlcVersion;
}

