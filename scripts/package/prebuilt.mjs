// Gets node-llama-cpp's prebuilt package for a target. From node_modules when npm installed it here (only this
// machine's platform), otherwise from a tarball cache filled once by `npm pack` and checked against the
// registry's dist.integrity: the first build of another target needs the registry, later builds are offline.
import {execFileSync} from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CACHE_DIR = process.env.GEMMA_CODE_NPM_CACHE ?? path.join(os.homedir(), ".cache/gemma-code/npm");

/** "sha512-<base64>" of a file, the format of npm's dist.integrity. */
export function integrityOf(file) {
    const hash = crypto.createHash("sha512");
    const fd = fs.openSync(file, "r");
    try {
        const buf = Buffer.alloc(1 << 20);
        for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
    } finally {
        fs.closeSync(fd);
    }
    return `sha512-${hash.digest("base64")}`;
}

/** The registry tarball of name@version in the cache, fetched and verified on first use. */
export function cachedTarball(name, version) {
    const base = `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`;
    const file = path.join(CACHE_DIR, base);
    const integrityFile = `${file}.integrity`;
    if (!fs.existsSync(file) || !fs.existsSync(integrityFile)) {
        fs.mkdirSync(CACHE_DIR, {recursive: true});
        const expected = JSON.parse(execFileSync("npm", ["view", `${name}@${version}`, "dist.integrity", "--json"],
            {encoding: "utf8"}));
        console.log(`fetching ${name}@${version} from the npm registry…`);
        const tmp = fs.mkdtempSync(path.join(CACHE_DIR, ".pack-"));
        try {
            execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", tmp, "--silent"], {stdio: ["ignore", "ignore", "inherit"]});
            const [packed] = fs.readdirSync(tmp);
            const actual = integrityOf(path.join(tmp, packed));
            if (actual !== expected) throw new Error(`${name}@${version}: integrity ${actual} ≠ registry's ${expected}`);
            fs.renameSync(path.join(tmp, packed), file);
            fs.writeFileSync(integrityFile, expected + "\n");
        } finally {
            fs.rmSync(tmp, {recursive: true, force: true});
        }
    }
    const expected = fs.readFileSync(integrityFile, "utf8").trim();
    const actual = integrityOf(file);
    if (actual !== expected) throw new Error(`${file} is corrupt (${actual} ≠ ${expected}): delete it and build again`);
    return file;
}

/** Puts the package into `dest` (its package root): a copy from node_modules, or the extracted tarball. */
export function installPrebuilt(root, name, version, dest, copyTree) {
    const local = path.join(root, "node_modules", name);
    const localVersion = fs.existsSync(path.join(local, "package.json"))
        ? JSON.parse(fs.readFileSync(path.join(local, "package.json"), "utf8")).version : undefined;
    fs.mkdirSync(dest, {recursive: true});
    if (localVersion === version) return copyTree(local, dest);
    const tarball = cachedTarball(name, version);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-prebuilt-"));
    try {
        // npm tarballs hold one top folder, "package/"; copyTree keeps only what the runtime loads.
        execFileSync("tar", ["-xzf", tarball, "-C", tmp, "--strip-components=1"]);
        copyTree(tmp, dest);
    } finally {
        fs.rmSync(tmp, {recursive: true, force: true});
    }
}
