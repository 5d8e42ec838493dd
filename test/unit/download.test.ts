// The model download end to end in plain node: node-llama-cpp's real downloader (ipull: 3 parallel streams of
// 5 MiB chunks) against FakeHub, a loopback HTTP server that answers like Hugging Face. Plus the model
// recommendation. Run: node esbuild.mjs && npx mocha --timeout 60000 out/test/unit/download.test.js
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {pathToFileURL} from "node:url";
import type {SystemInfo} from "../../protocol/lsp";
import {DownloadCancelledError, DownloadError, DownloadProgress, downloadModel, formatProgress, lateDownloadersCancelled, verifyGguf} from "../../src/model/downloader";
import {bytesNeeded, GEMMA2_2B, GEMMA2_9B, knownModel, recommendModel} from "../../src/model/recommend";
import {FakeHub} from "../support/fakeHub";
import {repoRoot, tinyModelPath} from "../support/paths";

const MiB = 1024 * 1024;
const CHUNK = 5 * MiB; // ipull's chunk: the unit a download resumes at
const REPO = "bartowski/gemma-2-9b-it-GGUF";
const sha = (p: string) => crypto.createHash("sha256").update(fs.readFileSync(p)).digest("hex");
/** A progress callback, and a promise that resolves with the first progress report whose bytes reach `atLeast`. */
function progressUntil(atLeast: number) {
    let resolve!: () => void;
    const reached = new Promise<void>((r) => resolve = r);
    return {reached, onProgress: (p: DownloadProgress) => void (p.bytes >= atLeast && resolve())};
}

/** Whole chunks the `.ipull` file records as saved: ipull writes its progress as JSON after the file's bytes. */
function savedChunks(ipullPath: string, fileSize: number): number {
    try {
        const data = fs.readFileSync(ipullPath);
        const progress = JSON.parse(data.subarray(fileSize).toString("utf8")) as {chunks?: number[]};
        return (progress.chunks ?? []).filter((c) => c === 2 /* ipull's ChunkStatus.COMPLETE */).length;
    } catch {
        return 0; // not written yet, or in the middle of being written
    }
}

/** Resolves when the `.ipull` file records `n` whole chunks, watching the folder for its writes (no polling). */
function untilSavedChunks(dir: string, ipullName: string, fileSize: number, n: number): Promise<void> {
    const file = path.join(dir, ipullName);
    return new Promise((resolve) => {
        const watcher = fs.watch(dir, () => {
            if (savedChunks(file, fileSize) >= n) {
                watcher.close();
                resolve();
            }
        });
        if (savedChunks(file, fileSize) >= n) {
            watcher.close();
            resolve();
        }
    });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (e) {
        return e as Error;
    }
    throw new Error("expected the download to fail");
}

describe("model download against a fake Hugging Face hub", function () {
    this.timeout(60_000);
    let hub: FakeHub;
    let tmp: string;
    let bigModel: string;
    let dir: string;

    before(async () => {
        execFileSync(process.execPath, [path.join(repoRoot, "scripts/make-gguf.mjs"), "--out", tinyModelPath, "--if-missing"]);
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-download-"));
        // The tiny model (4.6 MB) is one ipull chunk; resuming needs several: the same generator, wider (~40 MB).
        const gen = await import(pathToFileURL(path.join(repoRoot, "scripts/make-gguf.mjs")).href);
        gen.PRESETS["download-test"] = {...gen.PRESETS.tiny, name: "download-test", layers: 15, embd: 256, ff: 512, headDim: 64};
        bigModel = path.join(tmp, "big.gguf");
        gen.writeGguf(bigModel, "download-test");
        hub = await FakeHub.start();
        hub.addFile(REPO, "gemma-2-9b-it-Q4_K_M.gguf", tinyModelPath);
        hub.addFile(REPO, "gemma-2-9b-it-Q8_0.gguf", bigModel);
    });
    after(async () => {
        await hub?.close();
        fs.rmSync(tmp, {recursive: true, force: true});
    });
    beforeEach(() => {
        hub.reset();
        dir = fs.mkdtempSync(path.join(tmp, "models-"));
    });
    const files = () => fs.readdirSync(dir);

    it("downloads hf:user/repo:Q4_K_M, verifies it and reports bytes, speed and time left", async () => {
        const progress: DownloadProgress[] = [];
        const r = await downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint,
            onProgress: (p) => progress.push(p), progressIntervalMs: 20});
        const size = fs.statSync(tinyModelPath).size;
        assert.equal(r.path, path.join(dir, "hf_bartowski_gemma-2-9b-it.Q4_K_M.gguf"));
        assert.equal(sha(r.path), sha(tinyModelPath));
        assert.deepEqual([r.sizeBytes, r.architecture, r.resumedFromBytes], [size, "gemma2", 0]);
        assert.deepEqual(files(), [path.basename(r.path)], "no partial file left");
        assert.deepEqual(hub.requests.map((q) => q.kind).slice(0, 3), ["manifest", "resolve", "cdn"]);
        assert.deepEqual(hub.dataRequests().map((q) => q.range), [`bytes=0-${size - 1}`]);
        const last = progress.at(-1)!;
        assert.deepEqual([last.bytes, last.total, last.eta], [size, size, 0]);
        assert.ok(progress.every((p) => p.total === size && p.bytes <= size && p.speed >= 0));
    });

    it("formats progress as bytes, speed and time left", () => {
        assert.equal(formatProgress({bytes: 1.23e9, total: 5.76e9, speed: 23.4e6, eta: 190}), "1.2 of 5.8 GB · 23.4 MB/s · 3 min left");
        assert.equal(formatProgress({bytes: 2e6, total: 4.5e6, speed: 1e6, eta: 2.5}), "2.0 of 4.5 MB · 1.0 MB/s · 3 s left");
        assert.equal(formatProgress({bytes: 0, total: 5.76e9, speed: 0, eta: Infinity}), "0.0 of 5.8 GB");
        assert.equal(formatProgress({bytes: 1e9, total: 9.8e9, speed: 1e5, eta: 88_000}), "1.0 of 9.8 GB · 0.1 MB/s · 24.4 h left");
    });

    it("downloads hf:user/repo/file.gguf without asking for a manifest", async () => {
        const r = await downloadModel({uri: `hf:${REPO}/gemma-2-9b-it-Q4_K_M.gguf`, dirPath: dir, endpoint: hub.endpoint});
        assert.equal(sha(r.path), sha(tinyModelPath));
        assert.ok(!hub.requests.some((q) => q.kind === "manifest"));
    });

    it("retries a connection cut mid-download from the last whole chunk, in the same run", async () => {
        const size = fs.statSync(bigModel).size;
        hub.fault = {kind: "cut", afterBytes: CHUNK + 64 * 1024};
        const r = await downloadModel({uri: `hf:${REPO}:Q8_0`, dirPath: dir, endpoint: hub.endpoint});
        assert.equal(sha(r.path), sha(bigModel));
        const data = hub.dataRequests();
        const cut = data.filter((q) => q.bytesSent === CHUNK + 64 * 1024);
        assert.ok(cut.length >= 1, "a connection was cut");
        // Each retry starts where the cut stream's last whole chunk ended, never at the start of its range.
        for (const q of cut) assert.ok(data.some((d) => d.rangeBytes![0] === q.rangeBytes![0] + CHUNK), `retry after ${q.range}`);
        const sent = data.reduce((n, q) => n + q.bytesSent, 0);
        console.log(`      cut: file ${size} B; ${data.length} ranged requests sent ${sent} B (${cut.length} cut)`);
    });

    it("resumes after a restart, asking only for the bytes the partial file lacks", async () => {
        const size = fs.statSync(bigModel).size;
        // Run 1: every stream sends one whole chunk and a bit, then the network hangs; the window closes.
        hub.fault = {kind: "stall", afterBytes: CHUNK + 64 * 1024};
        const abort = new AbortController();
        const saved = untilSavedChunks(dir, "hf_bartowski_gemma-2-9b-it.Q8_0.gguf.ipull", size, 3);
        const run1 = downloadModel({uri: `hf:${REPO}:Q8_0`, dirPath: dir, endpoint: hub.endpoint, signal: abort.signal});
        // ipull saves its chunk map into the .ipull file after each whole chunk: the 3 chunks are kept once it says so.
        await saved;
        abort.abort();
        assert.ok(await rejection(run1) instanceof DownloadCancelledError);
        assert.deepEqual(files(), ["hf_bartowski_gemma-2-9b-it.Q8_0.gguf.ipull"], "only the partial file");
        const run1Sent = hub.dataRequests().reduce((n, q) => n + q.bytesSent, 0);

        // Run 2, a fresh downloader on the same folder: only the chunks not finished in run 1 are requested.
        hub.reset();
        const r = await downloadModel({uri: `hf:${REPO}:Q8_0`, dirPath: dir, endpoint: hub.endpoint});
        const data = hub.dataRequests();
        const requested = data.reduce((n, q) => n + q.rangeBytes![1] - q.rangeBytes![0] + 1, 0);
        const sent = data.reduce((n, q) => n + q.bytesSent, 0);
        console.log(`      resume: file ${size} B; run 1 sent ${run1Sent} B, kept ${r.resumedFromBytes} B (3 chunks); ` +
            `run 2 requested ${requested} B in ${data.length} ranges and was sent ${sent} B`);
        assert.equal(r.resumedFromBytes, 3 * CHUNK);
        assert.equal(requested, size - 3 * CHUNK);
        assert.equal(sent, requested);
        for (const q of data) assert.equal(q.rangeBytes![0] % CHUNK, 0, "ranges start at chunk boundaries");
        assert.equal(sha(r.path), sha(bigModel));
        assert.deepEqual(files(), [path.basename(r.path)]);
    });

    it("cancel rejects with DownloadCancelledError at once and, unless told to keep it, leaves no file", async () => {
        hub.fault = {kind: "stall", afterBytes: CHUNK + 64 * 1024};
        const abort = new AbortController();
        const progress = progressUntil(3 * (CHUNK + 64 * 1024));
        const run = downloadModel({uri: `hf:${REPO}:Q8_0`, dirPath: dir, endpoint: hub.endpoint, signal: abort.signal,
            keepPartialOnCancel: false, progressIntervalMs: 20, onProgress: progress.onProgress});
        await progress.reached;
        assert.ok(files().length > 0, "a partial file with whole chunks");
        const t = Date.now();
        abort.abort();
        const e = await rejection(run);
        assert.ok(e instanceof DownloadCancelledError && e.cancelled, String(e));
        assert.ok(Date.now() - t < 3000, "settles at once, not when the stalled stream would end");
        assert.deepEqual(files(), [], "the partial file is gone when the cancel settles");
    });

    it("cancel while the URI is still being resolved, and before starting", async () => {
        hub.fault = {kind: "hang", on: "manifest"};
        const abort = new AbortController();
        const run = downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint, signal: abort.signal});
        await hub.until(() => hub.requests.length > 0);
        abort.abort();
        assert.ok(await rejection(run) instanceof DownloadCancelledError);
        hub.reset();
        const e = await rejection(downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint, signal: abort.signal}));
        assert.ok(e instanceof DownloadCancelledError);
        assert.equal(hub.requests.length, 0, "no request after an abort");
    });

    it("a server that stops sending fails after the stall timeout and keeps the partial file", async () => {
        // ipull writes whole chunks only: one chunk per stream arrives, then nothing.
        hub.fault = {kind: "stall", afterBytes: CHUNK + 64 * 1024};
        const e = await rejection(downloadModel({uri: `hf:${REPO}:Q8_0`, dirPath: dir, endpoint: hub.endpoint, stallTimeoutMs: 1500}));
        assert.ok(e instanceof DownloadError);
        assert.match(e.message, /stalled: no data from 127\.0\.0\.1:\d+ for 2 s/);
        assert.deepEqual(files(), ["hf_bartowski_gemma-2-9b-it.Q8_0.gguf.ipull"]);
    });

    it("an HTML page served with 200 instead of the model is rejected and deleted", async () => {
        hub.fault = {kind: "html", on: "file"};
        const e = await rejection(downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint}));
        assert.ok(e instanceof DownloadError);
        assert.match(e.message, /is not a GGUF model: the server sent a web page/);
        assert.deepEqual(files(), []);
    });

    it("HTTP 500, a non-Hugging-Face answer and an unknown quant give one clear sentence each", async () => {
        hub.fault = {kind: "status", status: 500, on: "all"};
        let e = await rejection(downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint}));
        assert.match(e.message, /^127\.0\.0\.1:\d+ answered HTTP 500 Internal Server Error for hf:bartowski\/gemma-2-9b-it-GGUF:Q4_K_M\.$/);
        hub.fault = {kind: "html", on: "manifest"};
        e = await rejection(downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: hub.endpoint}));
        assert.match(e.message, /did not answer like Hugging Face/);
        hub.fault = undefined;
        e = await rejection(downloadModel({uri: `hf:${REPO}:Q3_K_XL`, dirPath: dir, endpoint: hub.endpoint}));
        assert.match(e.message, /has no Q3_K_XL file for hf:bartowski\/gemma-2-9b-it-GGUF/);
        assert.ok(e instanceof DownloadError);
        e = await rejection(downloadModel({uri: `hf:${REPO}:Q4_K_M`, dirPath: dir, endpoint: "mirror.example.com"}));
        assert.match(e.message, /endpoint "mirror\.example\.com" is not an http\(s\) URL/);
        assert.deepEqual(files(), []);
    });

    it("HTTP 500 on the file itself (ipull retries it) fails after the stall timeout; nothing downloads later", async () => {
        hub.fault = {kind: "status", status: 500, on: "file"};
        const e = await rejection(downloadModel({uri: `hf:${REPO}/gemma-2-9b-it-Q4_K_M.gguf`, dirPath: dir,
            endpoint: hub.endpoint, stallTimeoutMs: 1500}));
        assert.match(e.message, /stalled/);
        // ipull is still retrying its size probe in the background; once it succeeds we cancel the downloader.
        hub.fault = undefined;
        await hub.until(() => hub.requests.some((q) => q.kind === "cdn" && q.status === 200));
        // The downloader that arrives after the failure is cancelled before anything else happens to it.
        await lateDownloadersCancelled(dir);
        assert.equal(hub.dataRequests().length, 0, "no data requested after giving up");
        assert.deepEqual(files(), []);
    });

    it("verifyGguf catches files cut inside the header or the tensor data", async () => {
        const size = fs.statSync(tinyModelPath).size;
        const head = path.join(dir, "head.gguf");
        fs.writeFileSync(head, fs.readFileSync(tinyModelPath).subarray(0, 1000));
        await assert.rejects(verifyGguf(head, size), /incomplete: 1,000 of [\d,]+ bytes/);
        await assert.rejects(verifyGguf(head), DownloadError);
        const body = path.join(dir, "body.gguf");
        fs.writeFileSync(body, fs.readFileSync(tinyModelPath).subarray(0, Math.floor(size * 0.6)));
        await assert.rejects(verifyGguf(body), /truncated or corrupted/);
        assert.deepEqual(await verifyGguf(tinyModelPath, size), {architecture: "gemma2", tensorCount: 4 * 11 + 2});
    });
});

describe("model recommendation", () => {
    const GiB = 1024 ** 3;
    const gpu = (freeGiB: number, name = "NVIDIA GeForce RTX 4090"): SystemInfo => ({backend: "cuda", gpuNames: [name],
        vramTotalBytes: 24 * GiB, vramFreeBytes: freeGiB * GiB, ramTotalBytes: 64 * GiB, ramFreeBytes: 40 * GiB, cpuCores: 16});
    const quant = (info: SystemInfo | undefined) => {
        const m = recommendModel(info).model;
        return `${m.family} ${m.quant}`;
    };

    it("picks the largest 9B quant that fits free VRAM with an 8K context", () => {
        assert.equal(quant(gpu(22)), "Gemma 2 9B Q8_0");
        assert.equal(quant(gpu(11)), "Gemma 2 9B Q6_K");
        assert.equal(quant(gpu(10)), "Gemma 2 9B Q5_K_M");
        assert.equal(quant(gpu(9)), "Gemma 2 9B Q4_K_M");
        assert.match(recommendModel(gpu(22)).reason, /^24 GB free VRAM on NVIDIA GeForce RTX 4090 fits the larger Q8_0 quant/);
    });

    it("the 9B Q4_K_M with a 4K context on mid-size GPUs, the 2B on small ones and CPU-only machines", () => {
        assert.equal(quant(gpu(7.5)), "Gemma 2 9B Q4_K_M");
        assert.match(recommendModel(gpu(7.5)).reason, /4K context/);
        assert.equal(quant(gpu(7)), "Gemma 2 2B Q4_K_M");
        assert.match(recommendModel(gpu(3)).reason, /too little for the 9B \(needs 8\.0 GB\)/);
        const cpu: SystemInfo = {...gpu(0), backend: "cpu", gpuNames: [], vramTotalBytes: 0};
        assert.equal(quant(cpu), "Gemma 2 2B Q4_K_M");
        assert.match(recommendModel(cpu).reason, /^no GPU \(43 GB free RAM\)/);
    });

    it("falls back to the default when the machine is unknown, and knows the published sizes", () => {
        assert.equal(recommendModel(undefined).model.uri, "hf:bartowski/gemma-2-9b-it-GGUF:Q4_K_M");
        assert.equal(knownModel("HF:bartowski/gemma-2-9b-it-GGUF:q4_k_m")?.sizeBytes, 5.76e9);
        assert.equal(knownModel("hf:someone/else:Q4_K_M"), undefined);
        assert.ok(bytesNeeded(GEMMA2_2B, 8192) < bytesNeeded(GEMMA2_9B[3], 4096));
    });
});
