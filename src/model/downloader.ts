// Downloads a GGUF model with node-llama-cpp's downloader (ipull underneath: parallel Range requests, and a
// partial `<file>.ipull` that the next call resumes), then verifies the file before anyone loads it.
// No vscode import: the unit tests run it in plain node against a loopback fake of the Hugging Face endpoints.
//
// Pitfalls of node-llama-cpp 3.21.1 handled here (see /work/shared/notes/gemma2.md and its source):
// - An aborted download RESOLVES with a path that does not exist: we check our own signal afterwards.
// - createModelDownloader() takes no signal (it resolves the URI and asks the server for the size first):
//   we stop waiting for it on abort and cancel the downloader when it shows up.
// - ipull retries HTTP 5xx and dropped connections up to 150 times and has no timeout for a server that
//   stops sending: a watchdog fails the download after `stallTimeoutMs` without a new byte.
// - readGgufFileInfo() reads a file cut inside its header as zero-filled junk: sizes are checked first.
import fs from "node:fs";
import path from "node:path";
import * as l10n from "../l10n";

type NodeLlamaCpp = typeof import("node-llama-cpp");
type ModelDownloader = Awaited<ReturnType<NodeLlamaCpp["createModelDownloader"]>>;

// ESM with native parts: a dynamic import() that esbuild keeps (node-llama-cpp is external), loaded only when
// the user asks for a download. Nothing here touches the native binding.
let loading: Promise<NodeLlamaCpp> | undefined;
function nodeLlamaCpp(): Promise<NodeLlamaCpp> {
    loading ??= import("node-llama-cpp");
    return loading;
}

export interface DownloadProgress {
    /** Bytes on disk so far, including what an earlier, interrupted download left. */
    bytes: number;
    total: number;
    /** Bytes per second over the last few seconds (0 until measured). */
    speed: number;
    /** Seconds left at that speed (Infinity while unknown). */
    eta: number;
}

export interface DownloadOptions {
    /** `hf:user/repo:QUANT`, `hf:user/repo/file.gguf` or an https:// URL of a .gguf file. */
    uri: string;
    /** Where the model (and the partial `.ipull` file while downloading) is kept. */
    dirPath: string;
    /** Base URL of a Hugging Face mirror or proxy; empty = huggingface.co (or HF_ENDPOINT). */
    endpoint?: string;
    signal?: AbortSignal;
    onProgress?: (p: DownloadProgress) => void;
    /** Keep the partial file when cancelled so that the next download resumes it (default true). */
    keepPartialOnCancel?: boolean;
    /** Fail when no byte arrives for this long, connecting included (default 60 s). */
    stallTimeoutMs?: number;
    /** At most one onProgress call per this many ms, plus the last one (default 250). */
    progressIntervalMs?: number;
}

export interface DownloadResult {
    path: string;
    sizeBytes: number;
    /** general.architecture of the GGUF, e.g. "gemma2". */
    architecture: string;
    /** Bytes that were already on disk from an earlier attempt (0 for a fresh download). */
    resumedFromBytes: number;
}

/** The user (or a caller's signal) cancelled; not a failure worth an error message. */
export class DownloadCancelledError extends Error {
    readonly cancelled = true;
    constructor() {
        super(l10n.t("The model download was cancelled."));
        this.name = "DownloadCancelledError";
    }
}

/** A failed download; `message` is one sentence for the user, `detail` the underlying error for the log. */
export class DownloadError extends Error {
    constructor(message: string, readonly detail?: string) {
        super(message);
        this.name = "DownloadError";
    }
}

/** Cancels of downloaders that were still resolving their URI when their download failed or was cancelled. */
const lateCancels = new Map<Promise<unknown>, string>();

/**
 * Resolves when every downloader into `dirPath` that arrived after its download had already ended has been
 * cancelled (one whose URI never resolves, e.g. a server that never answers, is never waited for in vain: it is
 * another folder's, or the caller knows).
 */
export async function lateDownloadersCancelled(dirPath: string): Promise<void> {
    await Promise.all([...lateCancels].filter(([, dir]) => dir === dirPath).map(([p]) => p));
}

export async function downloadModel(opts: DownloadOptions): Promise<DownloadResult> {
    const {uri, dirPath, signal, stallTimeoutMs = 60_000} = opts;
    const keepPartial = opts.keepPartialOnCancel ?? true;
    if (signal?.aborted) throw new DownloadCancelledError();
    // node-llama-cpp silently falls back to huggingface.co for an endpoint that is not an http(s) URL: someone
    // who set a mirror must never see traffic to Hugging Face instead.
    if (opts.endpoint && !/^https?:\/\/[^/]/i.test(opts.endpoint)) {
        throw new DownloadError(l10n.t("The download endpoint \"{0}\" is not an http(s) URL (gemmaCode.download.endpoint).", opts.endpoint ?? ""));
    }
    const nlc = await nodeLlamaCpp().catch((e) => {
        throw new DownloadError(l10n.t("node-llama-cpp could not be loaded ({0}); reinstall the extension.", errorText(e)), String(e));
    });
    await fs.promises.mkdir(dirPath, {recursive: true});

    // One controller for both ways a download stops early; its reason is what we throw.
    const stop = new AbortController();
    const onUserAbort = () => stop.abort(new DownloadCancelledError());
    signal?.addEventListener("abort", onUserAbort, {once: true});
    const watchdog = new Watchdog(stallTimeoutMs, () => stop.abort(new DownloadError(
        l10n.t("The download stalled: no data from {0} for {1} s. Try again later; anything downloaded so far is kept and resumes.",
            hostOf(opts), l10n.formatNumber(Math.round(stallTimeoutMs / 1000))))));
    const reporter = progressReporter(opts.onProgress, opts.progressIntervalMs ?? 250);

    const creating = nlc.createModelDownloader({
        modelUri: uri,
        dirPath,
        endpoints: opts.endpoint ? {huggingFace: opts.endpoint} : undefined,
        // We decide about the partial file ourselves (below): a stall keeps it even when a cancel would not.
        deleteTempFileOnCancel: false,
        onProgress: (s) => {
            watchdog.saw(s.downloadedSize);
            reporter.report(s.downloadedSize, s.totalSize);
        }
    });
    let downloader: ModelDownloader | undefined;
    try {
        downloader = await untilAborted(creating, stop.signal);
        const total = downloader.totalSize;
        if (!(total > 0)) {
            throw new DownloadError(l10n.t("{0} did not announce the size of {1}, so a cut download could not be told from a complete one.",
                hostOf(opts), downloader.entrypointFilename));
        }
        // What an earlier attempt left (whole chunks of the partial file), before this session adds to it.
        const resumedFromBytes = downloader.downloadedSize;
        watchdog.saw(resumedFromBytes); // connecting took its time; the data gets a full stall timeout
        reporter.report(resumedFromBytes, total);
        await checkDiskSpace(dirPath, downloader);
        await downloader.download({signal: stop.signal});
        // The pitfall: an aborted download resolves (with a path that does not exist).
        if (stop.signal.aborted) throw stop.signal.reason;
        watchdog.dispose(); // reading the header of a big file is no stall
        reporter.report(total, total, true);
        const info = await verifyDownload(downloader);
        return {path: downloader.entrypointFilePath, sizeBytes: total, architecture: info.architecture, resumedFromBytes};
    } catch (error) {
        const reason = stop.signal.aborted ? stop.signal.reason : error;
        const deleteTempFile = reason instanceof DownloadCancelledError && !keepPartial;
        if (downloader) await downloader.cancel({deleteTempFile}).catch(() => undefined);
        // Still resolving the URI when stopped: cancel it when it arrives, so nothing keeps downloading.
        else {
            const late = creating.then((d) => d.cancel({deleteTempFile}), () => undefined);
            lateCancels.set(late, dirPath);
            void late.finally(() => lateCancels.delete(late));
        }
        throw reason instanceof DownloadCancelledError || reason instanceof DownloadError ? reason : explain(reason, opts);
    } finally {
        watchdog.dispose();
        reporter.dispose();
        signal?.removeEventListener("abort", onUserAbort);
    }
}

/** "1.2 of 5.8 GB · 23.4 MB/s · 3 min left" (the notification's message; the bar shows the percentage). */
export function formatProgress(p: DownloadProgress): string {
    const one = (n: number) => l10n.formatNumber(n, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    const whole = (n: number) => l10n.formatNumber(n);
    const parts = [p.total >= 1e9 ? l10n.t("{0} of {1} GB", one(p.bytes / 1e9), one(p.total / 1e9))
        : l10n.t("{0} of {1} MB", one(p.bytes / 1e6), one(p.total / 1e6))];
    if (p.speed > 0) parts.push(l10n.t("{0} MB/s", one(p.speed / 1e6)));
    if (Number.isFinite(p.eta) && p.eta > 0) {
        parts.push(p.eta < 90 ? l10n.t("{0} s left", whole(Math.ceil(p.eta))) : p.eta < 5400 ? l10n.t("{0} min left", whole(Math.round(p.eta / 60)))
            : l10n.t("{0} h left", one(p.eta / 3600)));
    }
    return parts.join(" · ");
}

export interface GgufCheck {
    architecture: string;
    tensorCount: number;
}

/**
 * Checks that a file is a complete GGUF model: the expected size (when known), the magic, and a header that
 * node-llama-cpp parses, whose tensors all start inside the file. Throws a DownloadError saying what is wrong.
 */
export async function verifyGguf(filePath: string, expectedSize?: number): Promise<GgufCheck> {
    const name = path.basename(filePath);
    const size = (await fs.promises.stat(filePath)).size;
    if (expectedSize !== undefined && size !== expectedSize) {
        throw new DownloadError(l10n.t("{0} is incomplete: {1} of {2} bytes.", name, l10n.formatNumber(size), l10n.formatNumber(expectedSize)));
    }
    const head = Buffer.alloc(64);
    const fh = await fs.promises.open(filePath, "r");
    try {
        await fh.read(head, 0, head.length, 0);
    } finally {
        await fh.close();
    }
    if (head.toString("latin1", 0, 4) !== "GGUF") {
        const text = head.toString("latin1").trimStart().toLowerCase();
        throw new DownloadError(text.startsWith("<") ? l10n.t("{0} is not a GGUF model: the server sent a web page (a proxy's or login page?) instead.", name)
            : text.startsWith("{") ? l10n.t("{0} is not a GGUF model: the server sent a JSON message instead.", name)
                : l10n.t("{0} is not a GGUF model: the server sent something else instead.", name));
    }
    const nlc = await nodeLlamaCpp();
    let info: Awaited<ReturnType<NodeLlamaCpp["readGgufFileInfo"]>>;
    try {
        info = await nlc.readGgufFileInfo(filePath, {sourceType: "filesystem", logWarnings: false});
    } catch (error) {
        throw new DownloadError(l10n.t("{0} is not a readable GGUF model ({1}).", name, errorText(error)), String(error));
    }
    const architecture = String(info.metadata?.general?.architecture ?? "");
    const tensors = info.tensorInfo ?? [];
    const tensorCount = Number(info.tensorCount);
    const cut = (info.infoEndOffset ?? 0) > size
        || tensors.some((t) => (t.filePart ?? 1) === 1 && Number(t.fileOffset) >= size);
    if (!architecture || tensorCount <= 0 || tensors.length !== tensorCount || cut) {
        throw new DownloadError(l10n.t("{0} is truncated or corrupted: its GGUF header does not describe a complete model.", name));
    }
    return {architecture, tensorCount};
}

/** Every file of the download: the announced size, then the GGUF checks on the entry file. Bad files are deleted. */
async function verifyDownload(downloader: ModelDownloader): Promise<GgufCheck> {
    const files = downloader.filesInfo;
    try {
        for (const f of files.slice(1)) {
            const size = (await fs.promises.stat(f.filePath)).size;
            if (size !== f.totalSize) throw new DownloadError(l10n.t("{0} is incomplete: {1} of {2} bytes.", f.fileName, l10n.formatNumber(size), l10n.formatNumber(f.totalSize)));
        }
        return await verifyGguf(downloader.entrypointFilePath, files[0]?.totalSize);
    } catch (error) {
        // A bad file must not stay: node-llama-cpp would "skip" downloading it next time (same size).
        for (const f of files) await fs.promises.rm(f.filePath, {force: true});
        throw error instanceof DownloadError ? error : new DownloadError(l10n.t("The downloaded model could not be checked ({0}).", errorText(error)));
    }
}

async function checkDiskSpace(dirPath: string, downloader: ModelDownloader) {
    let free: number;
    try {
        const s = await fs.promises.statfs(dirPath);
        free = s.bavail * s.bsize;
    } catch {
        return; // not every file system answers; the download will fail with ENOSPC then
    }
    // A partial file already holds its blocks (ipull writes it sparsely, so count blocks, not its length).
    let have = 0;
    for (const f of downloader.filesInfo) {
        for (const p of [f.filePath, `${f.filePath}.ipull`]) {
            const st = await fs.promises.stat(p).catch(() => undefined);
            if (st) have += st.blocks * 512;
        }
    }
    const needed = downloader.totalSize - have;
    if (needed > free) {
        throw new DownloadError(l10n.t("Not enough disk space: the model needs {0} more, {1} has {2} free.", gb(needed), dirPath, gb(free)));
    }
}

/** Turns node-llama-cpp's and ipull's errors into one sentence. */
export function explain(error: unknown, opts: Pick<DownloadOptions, "uri" | "endpoint">): DownloadError {
    const text = errorText(error);
    const host = hostOf(opts);
    const e = error as {statusCode?: number; statusText?: string; url?: string; code?: string} | undefined;
    let m: RegExpMatchArray | null;
    if (typeof e?.statusCode === "number") {
        return new DownloadError(l10n.t("{0} answered HTTP {1} for {2}.", hostOf({uri: e.url ?? opts.uri}),
            `${e.statusCode}${e.statusText ? ` ${e.statusText}` : ""}`, fileOf(e.url) ?? opts.uri), text);
    }
    if (e?.code === "ENOSPC") return new DownloadError(l10n.t("The disk is full; free some space and download again (it resumes)."), text);
    if ((m = text.match(/Cannot get quantization "([^"]*)" for model "([^"]*)"/))) {
        return new DownloadError(l10n.t("{0} has no {1} file for {2}.", host, m[1], m[2]), text);
    }
    if (/Invalid manifest/.test(text)) {
        return new DownloadError(l10n.t("{0} did not answer like Hugging Face (no model manifest); check gemmaCode.download.endpoint.", host), text);
    }
    if ((m = text.match(/Failed to fetch manifest for .*?": (\d{3})\s*(.*)$/))) {
        return new DownloadError(l10n.t("{0} answered HTTP {1} for {2}.", host, `${m[1]}${m[2] ? ` ${m[2]}` : ""}`, opts.uri), text);
    }
    if (/fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT/.test(text)) {
        return new DownloadError(l10n.t("Could not reach {0}: check the network connection, a proxy, or gemmaCode.download.endpoint.", host), text);
    }
    if (/Invalid Hugging Face URI|Invalid URL|Unsupported model URI/.test(text)) {
        return new DownloadError(l10n.t("\"{0}\" is not a model URI (expected hf:user/repo:QUANT, hf:user/repo/file.gguf or https://…).", opts.uri), text);
    }
    return new DownloadError(l10n.t("Downloading {0} failed: {1}", opts.uri, text), text);
}

/** The host a download of `uri` goes to first (for messages). */
export function downloadHost(uri: string, endpoint?: string): string {
    return hostOf({uri, endpoint});
}

function hostOf(opts: Pick<DownloadOptions, "uri" | "endpoint">): string {
    // The same order node-llama-cpp resolves the endpoint in (option, MODEL_ENDPOINT, HF_ENDPOINT, huggingface.co).
    const base = /^https?:\/\//.test(opts.uri) ? opts.uri
        : opts.endpoint || process.env.MODEL_ENDPOINT || process.env.HF_ENDPOINT || "https://huggingface.co";
    try {
        return new URL(base).host;
    } catch {
        return base;
    }
}

function fileOf(url: string | undefined): string | undefined {
    try {
        return url ? decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "") || undefined : undefined;
    } catch {
        return undefined;
    }
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

function gb(bytes: number) {
    return l10n.t("{0} GB", l10n.formatNumber(bytes / 1e9, {minimumFractionDigits: 1, maximumFractionDigits: 1}));
}

/** Resolves like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, {once: true});
        promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
}

/** Calls `onStall` when saw() did not get a larger byte count for `timeoutMs` (from construction on). */
class Watchdog {
    private bytes = -1;
    private last = Date.now();
    private readonly timer: NodeJS.Timeout;
    constructor(private readonly timeoutMs: number, onStall: () => void) {
        this.timer = setInterval(() => {
            if (Date.now() - this.last >= this.timeoutMs) {
                this.dispose();
                onStall();
            }
        }, Math.max(50, Math.min(1000, timeoutMs / 4)));
    }
    saw(bytes: number) {
        if (bytes > this.bytes) {
            this.bytes = bytes;
            this.last = Date.now();
        }
    }
    dispose() {
        clearInterval(this.timer);
    }
}

/**
 * ipull reports every network read (thousands per second); this passes on at most one per interval, always
 * the latest (a trailing call, so a download that stops still shows its last count), with speed and ETA from
 * the bytes of the last 5 s of this session (bytes resumed from disk are not speed).
 */
function progressReporter(onProgress: DownloadOptions["onProgress"], intervalMs: number) {
    const samples: {t: number; bytes: number}[] = [];
    let lastSent = 0;
    let trailing: NodeJS.Timeout | undefined;
    let latest: DownloadProgress | undefined;
    const send = () => {
        trailing = undefined;
        lastSent = Date.now();
        if (latest) onProgress?.(latest);
    };
    const report = (bytes: number, total: number, final = false) => {
        if (!onProgress) return;
        const now = Date.now();
        samples.push({t: now, bytes});
        while (samples.length > 2 && now - samples[1].t > 5000) samples.shift();
        const first = samples[0];
        const speed = now - first.t >= 500 ? (bytes - first.bytes) / ((now - first.t) / 1000) : 0;
        latest = {bytes, total, speed, eta: final ? 0 : speed > 0 ? (total - bytes) / speed : Infinity};
        if (final) {
            clearTimeout(trailing);
            send();
        } else if (now - lastSent >= intervalMs) {
            clearTimeout(trailing);
            send();
        } else {
            trailing ??= setTimeout(send, intervalMs - (now - lastSent));
        }
    };
    return {report, dispose: () => clearTimeout(trailing)};
}
