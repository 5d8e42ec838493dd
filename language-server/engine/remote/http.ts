// HTTP for the remote engine, on node:http/https (fetch cannot turn TLS verification off per request, and its
// timeouts are coarser). What it guarantees:
// - every failure becomes a RemoteError with a one-sentence message for the user and a kind for the code;
// - a connect/first-byte timeout, and an idle timeout between bytes of a streaming answer, so a server that stalls
//   can never hang a request;
// - the AbortSignal destroys the socket (the server sees the stream close and stops generating);
// - retries with exponential backoff, only for idempotent calls (GET and /tokenize), never for generations;
// - the API key goes in the Authorization header and nowhere else: never in a message or a log line.
import http from "node:http";
import https from "node:https";
import {ResponseError} from "vscode-languageserver";
import {ErrorCodes} from "../../../protocol/lsp";
import * as l10n from "../../l10n";

export type RemoteErrorKind =
    | "refused" | "dns" | "tls" | "timeout" | "stalled" | "reset" | "status" | "auth" | "protocol" | "aborted" | "other";

/** A failure of the remote engine, with a message meant for the user (no secrets, no stack). */
export class RemoteError extends ResponseError<undefined> {
    constructor(readonly kind: RemoteErrorKind, message: string, readonly status?: number, readonly serverMessage?: string) {
        super(ErrorCodes.EngineFailed, message);
        // ResponseError's constructor resets the prototype to its own: restore ours, or instanceof and getters break.
        Object.setPrototypeOf(this, new.target.prototype);
    }

    /** The server is unreachable or went away: the engine's state turns to error until a probe succeeds. */
    get serverDown() {
        return this.kind === "refused" || this.kind === "dns" || this.kind === "reset" || this.kind === "tls"
            || this.kind === "timeout" || this.kind === "stalled";
    }
}

export interface HttpTarget {
    /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080 or https://gw.example.com/llm */
    base: string;
    apiKey: string;
    tlsVerify: boolean;
    /** Connect + first byte, and the longest gap between two bytes of a streaming answer. */
    timeoutMs: number;
}

export interface RequestOptions {
    signal?: AbortSignal;
    /** Overrides target.timeoutMs for this request (probes use a shorter one). */
    timeoutMs?: number;
    /** Retries for idempotent calls: attempts after the first one (backoff 250 ms, 500 ms, 1 s…). */
    retries?: number;
    /** Chunks as bytes, one latin1 character each, for streams decoded across events (utf8Events.ts). */
    bytes?: boolean;
}

/** The origin of a URL, for messages: never the path, query or userinfo (they may hold secrets). */
export function displayOrigin(base: string) {
    try {
        return new URL(base).origin;
    } catch {
        return "the inference server";
    }
}

/**
 * Normalizes a user's endpoint setting: "http://host:8080", "http://host:8080/", "http://host:8080/v1" and
 * "host:8080" all become "http://host:8080". Throws a RemoteError with a clear message for an unusable one.
 */
export function normalizeEndpoint(endpoint: string): string {
    let text = endpoint.trim();
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        throw new RemoteError("other", l10n.t("gemmaCode.remote.endpoint is not a URL: \"{0}\".", endpoint.slice(0, 100)));
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new RemoteError("other", l10n.t("gemmaCode.remote.endpoint must be an http:// or https:// URL, not {0}//.", url.protocol));
    }
    const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
    return `${url.protocol}//${url.host}${path}`;
}

const agents = new Map<string, http.Agent>();

function agentFor(target: HttpTarget, https_: boolean): http.Agent {
    const key = `${https_}/${target.tlsVerify}`;
    let agent = agents.get(key);
    if (!agent) {
        // Keep-alive saves the TCP (and TLS) handshake on every keystroke's completion.
        agent = https_ ? new https.Agent({keepAlive: true, maxSockets: 8, rejectUnauthorized: target.tlsVerify})
            : new http.Agent({keepAlive: true, maxSockets: 8});
        agents.set(key, agent);
    }
    return agent;
}

export interface OpenResponse {
    status: number;
    headers: http.IncomingHttpHeaders;
    /** Decoded text chunks as they arrive; throws a RemoteError on a stall, a reset or an abort. */
    chunks: AsyncGenerator<string>;
    /** Closes the connection (the server stops generating). */
    close(): void;
}

/**
 * Sends a request and resolves when the response headers arrive. The body is read through `chunks`, with the idle
 * timeout between chunks.
 */
export async function openRequest(target: HttpTarget, method: string, path: string, body: unknown,
                                  options: RequestOptions = {}): Promise<OpenResponse> {
    try {
        return await openOnce(target, method, path, body, options);
    } catch (error) {
        // A kept-alive socket the server had already closed: the request never reached it, so sending it again is
        // safe for any method (what Node's documentation recommends for req.reusedSocket).
        if (error instanceof StaleSocket) return openOnce(target, method, path, body, options);
        throw error;
    }
}

class StaleSocket extends RemoteError {}

function openOnce(target: HttpTarget, method: string, path: string, body: unknown, options: RequestOptions): Promise<OpenResponse> {
    const origin = displayOrigin(target.base);
    const timeoutMs = options.timeoutMs ?? target.timeoutMs;
    const url = new URL(target.base + path);
    const isHttps = url.protocol === "https:";
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {accept: "application/json, text/event-stream"};
    if (payload) {
        headers["content-type"] = "application/json";
        headers["content-length"] = payload.length;
    }
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;

    return new Promise<OpenResponse>((resolve, reject) => {
        const signal = options.signal;
        if (signal?.aborted) return reject(new RemoteError("aborted", l10n.t("Request cancelled")));
        const mod = isHttps ? https : http;
        const req = mod.request(url, {
            method, headers, agent: agentFor(target, isHttps),
            ...(isHttps ? {rejectUnauthorized: target.tlsVerify} : {})
        });
        let settled = false;
        let failure: RemoteError | undefined;
        const fail = (error: RemoteError) => {
            failure ??= error;
            req.destroy(failure);
            if (!settled) {
                settled = true;
                cleanup();
                reject(failure);
            }
        };
        // Until the headers: connect + the server's time to first byte (a generation's prompt evaluation).
        const firstByte = setTimeout(() => fail(new RemoteError("timeout",
            l10n.t("The inference server at {0} did not answer within {1}: it may be overloaded or hung.", origin, seconds(timeoutMs)))), timeoutMs);
        const onAbort = () => fail(new RemoteError("aborted", l10n.t("Request cancelled")));
        signal?.addEventListener("abort", onAbort, {once: true});
        const cleanup = () => clearTimeout(firstByte);

        req.on("error", (error: NodeJS.ErrnoException) => {
            if (failure) return; // our own destroy()
            const stale = !settled && req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
            const mapped = stale ? new StaleSocket("reset", "stale keep-alive socket") : mapSocketError(error, origin, settled);
            failure = mapped;
            if (!settled) {
                settled = true;
                cleanup();
                signal?.removeEventListener("abort", onAbort);
                reject(mapped);
            }
        });
        req.on("response", (res) => {
            if (settled) return res.destroy();
            settled = true;
            cleanup();
            res.setEncoding(options.bytes ? "latin1" : "utf8");
            const chunks = readChunks(res, req, timeoutMs, origin, signal, () => failure, (e) => (failure ??= e),
                () => signal?.removeEventListener("abort", onAbort));
            resolve({status: res.statusCode ?? 0, headers: res.headers, chunks, close: () => req.destroy()});
        });
        req.end(payload);
    });
}

async function* readChunks(res: http.IncomingMessage, req: http.ClientRequest, idleMs: number, origin: string,
                           signal: AbortSignal | undefined, failure: () => RemoteError | undefined,
                           setFailure: (e: RemoteError) => RemoteError, done: () => void): AsyncGenerator<string> {
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
            const e = setFailure(new RemoteError("stalled",
                l10n.t("The inference server at {0} stopped sending in the middle of its answer (nothing for {1}).", origin, seconds(idleMs))));
            req.destroy(e);
            res.destroy(e);
        }, idleMs);
    };
    const onAbort = () => {
        const e = setFailure(new RemoteError("aborted", l10n.t("Request cancelled")));
        req.destroy(e);
        res.destroy(e);
    };
    signal?.addEventListener("abort", onAbort, {once: true});
    try {
        arm();
        for await (const chunk of res) {
            arm();
            yield chunk as string;
        }
        if (!res.complete) throw failure() ?? midStreamReset(origin);
    } catch (error) {
        const known = failure();
        if (known) throw known;
        throw mapSocketError(error as NodeJS.ErrnoException, origin, true);
    } finally {
        clearTimeout(idle);
        signal?.removeEventListener("abort", onAbort);
        done();
        // A consumer that stops reading early (stop string, abort) must not leave the socket streaming.
        if (!res.complete) req.destroy();
    }
}

function midStreamReset(origin: string) {
    return new RemoteError("reset", l10n.t("The connection to the inference server at {0} closed in the middle of an answer: the server may have crashed or restarted.",
        origin));
}

function mapSocketError(error: NodeJS.ErrnoException, origin: string, midStream: boolean): RemoteError {
    if (error instanceof RemoteError) return error;
    const code = error.code ?? "";
    if (code === "ECONNREFUSED") {
        return new RemoteError("refused", l10n.t("Cannot reach the inference server at {0}: connection refused. Is it running? (gemmaCode.remote.endpoint)", origin));
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        return new RemoteError("dns", l10n.t("Cannot reach the inference server: the host of {0} was not found (gemmaCode.remote.endpoint).", origin));
    }
    if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH") {
        return new RemoteError("refused", l10n.t("Cannot reach the inference server at {0} ({1}): check the network and gemmaCode.remote.endpoint.", origin, code));
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/.test(code) || /certificate/i.test(error.message ?? "")) {
        return new RemoteError("tls", l10n.t("The TLS certificate of {0} is not trusted ({1}). Fix the certificate, or set gemmaCode.remote.tlsVerify to false for a server you trust.",
            origin, code || error.message));
    }
    if (code === "EPROTO" || /wrong version number|packet length too long/i.test(error.message ?? "")) {
        return new RemoteError("tls", l10n.t("TLS failed with {0} ({1}): does the endpoint use http:// or https:// as the server expects?", origin, code));
    }
    if (code === "ECONNRESET" || code === "EPIPE" || code === "ECONNABORTED" || /socket hang up|aborted/i.test(error.message ?? "")) {
        if (midStream) return midStreamReset(origin);
        return new RemoteError("reset", l10n.t("The inference server at {0} closed the connection without answering: the server may have crashed or restarted.", origin));
    }
    return new RemoteError("other", l10n.t("Request to the inference server at {0} failed: {1}.", origin, error.message ?? code));
}

/** The message of an OpenAI-style or llama-server error body, else its first 200 characters. */
export function serverErrorMessage(text: string): string {
    try {
        const body = JSON.parse(text) as {error?: {message?: string} | string; message?: string; detail?: unknown};
        if (typeof body.error === "string") return body.error;
        if (body.error && typeof body.error.message === "string") return body.error.message;
        if (typeof body.message === "string") return body.message;
        if (typeof body.detail === "string") return body.detail;
    } catch {
        // not JSON
    }
    return text.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** A RemoteError for a non-2xx status, with the server's own message. */
export function statusError(origin: string, status: number, bodyText: string, what: string): RemoteError {
    const detail = serverErrorMessage(bodyText);
    if (status === 401 || status === 403) {
        return new RemoteError("auth", detail
            ? l10n.t("The inference server at {0} rejected the API key (HTTP {1}: {2}). Set it with the command \"Gemma Code: Set Remote API Key\".", origin, status, detail)
            : l10n.t("The inference server at {0} rejected the API key (HTTP {1}). Set it with the command \"Gemma Code: Set Remote API Key\".", origin, status),
        status, detail);
    }
    return new RemoteError("status", detail ? l10n.t("The inference server at {0} returned HTTP {1} for {2}: {3}.", origin, status, what, detail)
        : l10n.t("The inference server at {0} returned HTTP {1} for {2}.", origin, status, what), status, detail);
}

/** Reads a whole (small) response body, at most 1 MiB. */
export async function readAll(response: OpenResponse): Promise<string> {
    let text = "";
    for await (const chunk of response.chunks) {
        text += chunk;
        if (text.length > 1024 * 1024) {
            response.close();
            break;
        }
    }
    return text;
}

export interface JsonResponse<T> {
    status: number;
    body: T | undefined;
    text: string;
}

/**
 * A JSON request whose answer is small (probes, /tokenize). Idempotent: retried with backoff on connection
 * failures, timeouts, 429 and 5xx; a 4xx other than 429 is returned to the caller.
 */
export async function requestJson<T>(target: HttpTarget, method: string, path: string, body?: unknown,
                                     options: RequestOptions = {}): Promise<JsonResponse<T>> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
        try {
            const response = await openRequest(target, method, path, body, options);
            const text = await readAll(response);
            if ((response.status === 429 || response.status >= 500) && attempt < retries) throw new RetryableStatus(response.status);
            let parsed: T | undefined;
            try {
                parsed = text ? JSON.parse(text) as T : undefined;
            } catch {
                parsed = undefined;
            }
            return {status: response.status, body: parsed, text};
        } catch (error) {
            const retryable = error instanceof RetryableStatus
                || (error instanceof RemoteError && error.kind !== "aborted" && error.kind !== "auth" && error.kind !== "dns" && error.kind !== "tls");
            if (!retryable || attempt >= retries) throw error;
            await sleep(250 * 2 ** attempt, options.signal);
        }
    }
}

class RetryableStatus extends Error {
    constructor(readonly status: number) {
        super(`HTTP ${status}`);
    }
}

export function sleep(ms: number, signal?: AbortSignal) {
    return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, {once: true});
        function done() {
            clearTimeout(timer);
            signal?.removeEventListener("abort", done);
            resolve();
        }
    });
}

function seconds(ms: number) {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
