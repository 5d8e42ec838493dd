// Fetches one exact version of an npm package from an npm registry (or a mirror of it) and unpacks it into
// <root>/node_modules/<name>, where node-llama-cpp's package lookup finds it (language-server/engine/local/backendResolver.ts).
// The tarball is downloaded to a .partial file that a later call resumes with an HTTP Range request, and it is
// installed only when its SHA-512 equals the registry's dist.integrity. No vscode import: tested under plain Node.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import * as tar from "tar";

export const DEFAULT_REGISTRY = "https://registry.npmjs.org/";

export interface FetchOptions {
    /** Base URL of the registry, e.g. https://registry.npmjs.org/ or a company mirror. */
    registry: string;
    name: string;
    version: string;
    /** Packages land in <root>/node_modules/<name>; partial downloads in <root>/.downloads. */
    root: string;
    onProgress?(received: number, total: number | undefined): void;
    signal?: AbortSignal;
}

export interface PackageDist {
    tarball: string;
    integrity: string;
    unpackedSize?: number;
}

export class RegistryError extends Error {}

/** <root>/node_modules/<name> when that exact version is installed there. */
export function installedPackage(root: string, name: string, version: string): string | undefined {
    const dir = path.join(root, "node_modules", ...name.split("/"));
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version === version ? dir : undefined;
    } catch {
        return undefined;
    }
}

function get(url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<http.IncomingMessage> {
    const u = new URL(url);
    const client = u.protocol === "https:" ? https : u.protocol === "http:" ? http : undefined;
    if (!client) return Promise.reject(new RegistryError(`unsupported URL ${url}`));
    return new Promise((resolve, reject) => {
        const req = client.get(u, {headers: {"user-agent": "gemma-code", ...headers}, signal}, resolve);
        req.on("error", reject);
        req.setTimeout(30_000, () => req.destroy(new RegistryError(`no answer from ${u.host} in 30 s`)));
    });
}

async function readJson(res: http.IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** The registry's version document: GET <registry>/<name>/<version> (scoped names keep their @, / is %2f). */
export async function packageDist(registry: string, name: string, version: string, signal?: AbortSignal): Promise<PackageDist> {
    const url = new URL(`${name.replace("/", "%2f")}/${encodeURIComponent(version)}`, registry.endsWith("/") ? registry : registry + "/");
    const res = await get(url.toString(), {accept: "application/json"}, signal);
    if (res.statusCode !== 200) {
        res.resume();
        throw new RegistryError(`${url} answered HTTP ${res.statusCode}`);
    }
    const doc = await readJson(res) as {version?: string; dist?: Partial<PackageDist>};
    const dist = doc.dist;
    if (doc.version !== version || typeof dist?.tarball !== "string" || typeof dist.integrity !== "string") {
        throw new RegistryError(`${url} is not the version document of ${name}@${version}`);
    }
    return {tarball: new URL(dist.tarball, url).toString(), integrity: dist.integrity, unpackedSize: dist.unpackedSize};
}

/** The sha512 entry of an SRI string ("sha512-<base64> [other]"); npm publishes sha512 for every modern package. */
function sha512Of(integrity: string): string {
    const entry = integrity.split(/\s+/).find((e) => e.startsWith("sha512-"));
    if (!entry) throw new RegistryError(`the registry gives no sha512 integrity (${integrity}): refusing to install unverified binaries`);
    return entry.slice("sha512-".length);
}

async function fileSha512(file: string): Promise<string> {
    const hash = crypto.createHash("sha512");
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest("base64");
}

/** Downloads `url` to `file`, continuing a previous partial download when the server honours Range. */
async function download(url: string, file: string, onProgress: FetchOptions["onProgress"], signal?: AbortSignal) {
    const have = fs.existsSync(file) ? fs.statSync(file).size : 0;
    const res = await get(url, have > 0 ? {range: `bytes=${have}-`} : {}, signal);
    let received: number;
    let flags: string;
    if (res.statusCode === 206 && have > 0) {
        received = have;
        flags = "a";
    } else if (res.statusCode === 200) {
        received = 0; // no resume support (or nothing to resume): start over
        flags = "w";
    } else if (res.statusCode === 416 && have > 0) {
        res.resume(); // the partial file is already whole; the integrity check decides
        return;
    } else {
        res.resume();
        throw new RegistryError(`${url} answered HTTP ${res.statusCode}`);
    }
    const length = Number(res.headers["content-length"]);
    const total = Number.isFinite(length) ? received + length : undefined;
    onProgress?.(received, total);
    const out = fs.createWriteStream(file, {flags});
    let broken = false;
    try {
        for await (const chunk of res) {
            received += (chunk as Buffer).length;
            if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
            onProgress?.(received, total);
        }
    } catch (error) {
        if (signal?.aborted) throw error;
        broken = true; // the connection dropped: what arrived stays in the partial file for the next try
    } finally {
        await new Promise<void>((r) => out.end(() => r()));
    }
    if (broken || !res.complete || (total !== undefined && received !== total)) {
        throw new RegistryError(`the download from ${new URL(url).host} broke off at ${received} of ${total ?? "?"} bytes; try again to resume`);
    }
}

/**
 * Installs name@version into <root>/node_modules/<name> and returns that folder. Resumes an earlier partial
 * download; verifies the tarball against dist.integrity before unpacking; replaces the folder atomically.
 */
export async function fetchPackage(opts: FetchOptions): Promise<string> {
    const already = installedPackage(opts.root, opts.name, opts.version);
    if (already) return already;
    const dist = await packageDist(opts.registry, opts.name, opts.version, opts.signal);
    const expected = sha512Of(dist.integrity);
    const downloads = path.join(opts.root, ".downloads");
    fs.mkdirSync(downloads, {recursive: true});
    const partial = path.join(downloads, `${opts.name.replace(/[@/]/g, "_")}-${opts.version}.tgz.partial`);
    await download(dist.tarball, partial, opts.onProgress, opts.signal);
    const actual = await fileSha512(partial);
    if (actual !== expected) {
        fs.rmSync(partial, {force: true}); // a corrupt file must not be resumed
        throw new RegistryError(`${opts.name}@${opts.version} failed its integrity check (sha512 ${actual.slice(0, 16)}… ≠ ${expected.slice(0, 16)}…): not installed`);
    }
    const target = path.join(opts.root, "node_modules", ...opts.name.split("/"));
    const staging = `${target}.unpacking-${process.pid}`;
    fs.rmSync(staging, {recursive: true, force: true});
    fs.mkdirSync(staging, {recursive: true});
    // npm tarballs hold one folder, package/. tar refuses entries that climb out of the folder (.. or absolute).
    await tar.x({file: partial, cwd: staging, strip: 1});
    const unpacked = JSON.parse(fs.readFileSync(path.join(staging, "package.json"), "utf8"));
    if (unpacked.name !== opts.name || unpacked.version !== opts.version) {
        fs.rmSync(staging, {recursive: true, force: true});
        throw new RegistryError(`the tarball of ${opts.name}@${opts.version} holds ${unpacked.name}@${unpacked.version}`);
    }
    fs.rmSync(target, {recursive: true, force: true});
    fs.renameSync(staging, target);
    fs.rmSync(partial, {force: true});
    return target;
}
