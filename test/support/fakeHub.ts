// A real HTTP server on 127.0.0.1 that answers the Hugging Face requests node-llama-cpp 3.21.1 (and ipull
// 3.9.5 under it) makes, so the real downloader runs in tests without the network. What they request:
//
//   hf:user/repo:Q4_K_M          GET  /v2/user/repo/manifests/Q4_K_M   (User-Agent "llama-cpp")
//                                     → JSON whose ggufFile.rfilename names the file
//   then, and for hf:user/repo/file.gguf directly:
//                                GET  /user/repo/resolve/main/file.gguf?download=true
//                                     → 302 to the "CDN": /cdn/<sha256>/file.gguf?X-Amz-…  (like HF's xet/LFS bridge)
//   ipull's size probe:          GET  /cdn/… without Range (reads only the headers: Content-Length, Accept-Ranges)
//   the data, 3 streams:         GET  /cdn/… with Range: bytes=a-b (5 MiB chunks) → 206 + Content-Range
//   a resumed download:          the same, with Ranges that skip the whole chunks the `.ipull` file has
// HEAD is answered too (HF answers it; ipull 3.9.5 happens to use GET). Every request is recorded with its
// Range header and the body bytes written, so tests can check what a resume asked for.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type {AddressInfo, Socket} from "node:net";

export type HubRequestKind = "manifest" | "resolve" | "cdn" | "unknown";

export interface HubRequest {
    method: string;
    url: string;
    kind: HubRequestKind;
    /** The Range header as sent, if any. */
    range?: string;
    /** [start, end] (inclusive) the Range asked for. */
    rangeBytes?: [number, number];
    status: number;
    /** Body bytes written to the socket. */
    bytesSent: number;
}

/**
 * What goes wrong. cut/stall act on each ranged file response (the data; not the size probe) after it sent
 * `afterBytes`: cut closes the connection mid-body, stall stops sending and keeps the connection open.
 * html/status replace the answer to the manifest, the file (resolve + CDN), or everything; hang never answers.
 */
export type HubFault =
    | {kind: "cut"; afterBytes: number}
    | {kind: "stall"; afterBytes: number}
    | {kind: "html"; on: "manifest" | "file"}
    | {kind: "hang"; on: "manifest" | "file"}
    | {kind: "status"; status: number; on: "manifest" | "file" | "all"};

interface HubFile {
    repo: string;
    name: string;
    path: string;
    size: number;
    sha256: string;
}

const HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form>Proxy authentication required" +
    "</form></body></html>\n";

export class FakeHub {
    readonly requests: HubRequest[] = [];
    fault: HubFault | undefined;
    private readonly files: HubFile[] = [];
    private readonly sockets = new Set<Socket>();
    private waiters: {check: () => boolean; resolve: () => void}[] = [];

    private constructor(private readonly server: http.Server) {
        server.on("connection", (s) => {
            this.sockets.add(s);
            s.on("close", () => this.sockets.delete(s));
        });
        server.on("request", (req, res) => void this.handle(req, res).catch((e) => {
            res.destroy(e);
        }));
    }

    static async start(): Promise<FakeHub> {
        const server = http.createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return new FakeHub(server);
    }

    /** Base URL to use as the Hugging Face endpoint (ends with "/"). */
    get endpoint(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    }

    /** Serves `localPath` as `repo` ("user/name")'s file `name`. */
    addFile(repo: string, name: string, localPath: string) {
        const data = fs.readFileSync(localPath);
        this.files.push({repo, name, path: localPath, size: data.length,
            sha256: crypto.createHash("sha256").update(data).digest("hex")});
    }

    /** The ranged (data) requests to the CDN, in order. */
    dataRequests(): HubRequest[] {
        return this.requests.filter((r) => r.kind === "cdn" && r.range !== undefined);
    }

    /** Resolves as soon as `check` holds: at once, or when a request arrives or its response ends. */
    until(check: () => boolean): Promise<void> {
        if (check()) return Promise.resolve();
        return new Promise((resolve) => this.waiters.push({check, resolve}));
    }

    private changed() {
        this.waiters = this.waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
    }

    reset() {
        this.requests.length = 0;
        this.fault = undefined;
    }

    async close() {
        for (const s of this.sockets) s.destroy();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
        const url = new URL(req.url ?? "/", this.endpoint);
        const parts = url.pathname.split("/").map(decodeURIComponent);
        const kind: HubRequestKind = parts[1] === "v2" && parts[4] === "manifests" ? "manifest"
            : parts[3] === "resolve" ? "resolve" : parts[1] === "cdn" ? "cdn" : "unknown";
        const rec: HubRequest = {method: req.method ?? "GET", url: req.url ?? "", kind, status: 0, bytesSent: 0};
        if (typeof req.headers.range === "string") rec.range = req.headers.range;
        this.requests.push(rec);
        res.on("close", () => this.changed());
        this.changed();
        const send = (status: number, headers: Record<string, string | number>, body = "") => {
            rec.status = status;
            const data = Buffer.from(body);
            res.writeHead(status, {"Content-Length": data.length, ...headers});
            this.changed();
            if (req.method !== "HEAD") {
                res.end(data);
                rec.bytesSent = data.length;
            } else res.end();
        };
        const notFound = (what: string) =>
            send(404, {"Content-Type": "application/json", "X-Error-Code": "EntryNotFound"}, JSON.stringify({error: what}));

        const f = this.fault;
        const isFile = kind === "resolve" || kind === "cdn";
        if (f?.kind === "status" && (f.on === "all" || (f.on === "manifest" ? kind === "manifest" : isFile))) {
            return send(f.status, {"Content-Type": "text/plain"}, `${f.status} ${http.STATUS_CODES[f.status] ?? ""}\n`);
        }
        if (f?.kind === "hang" && (f.on === "manifest" ? kind === "manifest" : isFile)) return;
        if (f?.kind === "html" && (f.on === "manifest" ? kind === "manifest" : isFile)) {
            return send(200, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE);
        }

        if (kind === "manifest") {
            // /v2/{user}/{repo}/manifests/{tag}: HF puts ggufFile in it only for llama.cpp's User-Agent.
            const [repo, tag] = [`${parts[2]}/${parts[3]}`, parts[5].toUpperCase()];
            const inRepo = this.files.filter((x) => x.repo === repo);
            const file = tag === "LATEST"
                ? inRepo.find((x) => x.name.toUpperCase().includes("Q4_K_M")) ?? inRepo[0]
                : inRepo.find((x) => x.name.toUpperCase().replace(/\.GGUF$/, "").endsWith(tag));
            if (!file) return notFound(`The tag ${tag} does not exist in ${repo}`);
            const manifest: Record<string, unknown> = {
                schemaVersion: 2,
                mediaType: "application/vnd.oci.image.manifest.v1+json",
                layers: [{digest: `sha256:${file.sha256}`, size: file.size, mediaType: "application/vnd.ollama.image.model"}]
            };
            if (/llama-cpp/.test(String(req.headers["user-agent"]))) {
                manifest.ggufFile = {rfilename: file.name, blobId: `sha256:${file.sha256}`, size: file.size};
            }
            return send(200, {"Content-Type": "application/json"}, JSON.stringify(manifest));
        }
        if (kind === "resolve") {
            // /{user}/{repo}/resolve/{branch}/{file}: a redirect to signed storage, with HF's X-Linked-* headers.
            const [repo, branch, name] = [`${parts[1]}/${parts[2]}`, parts[4], parts.slice(5).join("/")];
            const file = this.files.find((x) => x.repo === repo && x.name === name);
            if (!file || branch !== "main") return notFound("Entry not found");
            const location = `${this.endpoint}cdn/${file.sha256}/${encodeURIComponent(name)}` +
                `?X-Amz-Expires=3600&X-Amz-Signature=${crypto.randomBytes(8).toString("hex")}`;
            return send(302, {"Location": location, "X-Linked-Size": file.size, "X-Linked-ETag": `"${file.sha256}"`,
                "X-Repo-Commit": "0123456789abcdef0123456789abcdef01234567", "Content-Type": "text/plain"}, `Found. Redirecting to ${location}`);
        }
        if (kind === "cdn") {
            const file = this.files.find((x) => x.sha256 === parts[2]);
            if (!file) return notFound("NoSuchKey");
            return this.sendFile(req, res, rec, file);
        }
        return send(404, {"Content-Type": "application/json", "X-Error-Code": "RepoNotFound"},
            JSON.stringify({error: "Repository not found"}));
    }

    private async sendFile(req: http.IncomingMessage, res: http.ServerResponse, rec: HubRequest, file: HubFile) {
        const headers: Record<string, string | number> = {
            "Content-Type": "application/octet-stream",
            "Accept-Ranges": "bytes",
            "ETag": `"${file.sha256}"`,
            "Content-Disposition": `inline; filename*=UTF-8''${encodeURIComponent(file.name)}; filename="${file.name}";`
        };
        let [start, end] = [0, file.size - 1];
        if (rec.range !== undefined) {
            const m = /^bytes=(\d*)-(\d*)$/.exec(rec.range);
            if (m && m[1] !== "") [start, end] = [Number(m[1]), m[2] === "" ? file.size - 1 : Math.min(Number(m[2]), file.size - 1)];
            else if (m && m[2] !== "") start = Math.max(0, file.size - Number(m[2]));
            if (!m || start > end || start >= file.size) {
                rec.status = 416;
                res.writeHead(416, {"Content-Range": `bytes */${file.size}`, "Content-Length": 0}).end();
                return;
            }
            rec.rangeBytes = [start, end];
            headers["Content-Range"] = `bytes ${start}-${end}/${file.size}`;
        }
        rec.status = rec.range !== undefined ? 206 : 200;
        res.writeHead(rec.status, {...headers, "Content-Length": end - start + 1});
        this.changed();
        if (req.method === "HEAD") return void res.end();

        const f = this.fault;
        const limit = rec.range !== undefined && (f?.kind === "cut" || f?.kind === "stall") ? f.afterBytes : Infinity;
        let closed = false;
        res.on("close", () => closed = true);
        const stream = fs.createReadStream(file.path, {start, end, highWaterMark: 64 * 1024});
        try {
            for await (const chunk of stream as AsyncIterable<Buffer>) {
                if (closed) return;
                const piece = rec.bytesSent + chunk.length >= limit ? chunk.subarray(0, limit - rec.bytesSent) : chunk;
                rec.bytesSent += piece.length;
                if (piece !== chunk) {
                    // Cut: let the bytes reach the kernel, then drop the connection mid-body. Stall: keep it open.
                    res.write(piece, () => {
                        if (f?.kind === "cut") res.socket?.destroy();
                    });
                    return;
                }
                if (!res.write(piece)) await drainedOrClosed(res);
            }
            if (!closed) res.end();
        } finally {
            stream.destroy();
        }
    }
}

function drainedOrClosed(res: http.ServerResponse): Promise<void> {
    return new Promise((resolve) => {
        const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
        };
        res.on("drain", done);
        res.on("close", done);
    });
}
