// One streamed answer of an OpenAI-compatible server: POST, then server-sent events (or one JSON document from a
// server that ignored `stream: true`) read into a GenerationResult, with every wait bounded by http.ts, multi-byte
// characters decoded across events (utf8Events.ts), and the stream closed when the answer stops early.
import type {Logger} from "../../log";
import * as l10n from "../../l10n";
import {emptyResult, GenerationOptions, GenerationResult} from "../engine";
import {decodeEventData, textOfBytes, Utf8Deltas} from "./utf8Events";
import {displayOrigin, HttpTarget, openRequest, readAll, RemoteError, statusError} from "./http";
import {type SseEvent, SseFormatError, SseParser} from "./sse";

/** What a stream needs to know about the server it reads. */
export interface StreamServer {
    target: HttpTarget;
    /** llama-server stops an answer whose bytes are not valid UTF-8 (OUTPUT_PARSE_ERROR): kept as cut short. */
    llamaServer: boolean;
    log: Logger;
    /** Estimates the prompt's tokens when the server does not report them. */
    countTokens(text: string): number;
}

export interface StreamPart {
    delta?: string;
    finish?: string | null;
}
interface Usage {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: {cached_tokens?: number};
}
interface Timings {
    cache_n?: number;
    prompt_n?: number;
    predicted_n?: number;
}

/** llama-server's error for output that its final parse rejects (see streamAnswer). */
const OUTPUT_PARSE_ERROR = /^The model produced output that does not match the expected .{1,40} format$/;

export const completionText = (json: ChunkJson): StreamPart => ({delta: json.choices?.[0]?.text, finish: json.choices?.[0]?.finish_reason});
export const chatDelta = (json: ChunkJson): StreamPart => ({delta: json.choices?.[0]?.delta?.content ?? undefined, finish: json.choices?.[0]?.finish_reason});

/**
 * POSTs a streaming request and reads its server-sent events until the answer is complete, `stop` says so,
 * or the signal fires (then it resolves with `aborted` and the text so far). Failures are RemoteErrors (thrown).
 * Servers report prompt tokens at the end of a stream: for one stopped early, they are estimated.
 */
export async function streamAnswer(server: StreamServer, path: string, body: object, options: GenerationOptions,
    extract: (json: ChunkJson) => StreamPart, onText: (text: string) => void, stop?: (text: string) => boolean
): Promise<GenerationResult> {
    const result = emptyResult();
    const started = performance.now();
    let firstAt = 0;
    let usage: Usage | undefined;
    let timings: Timings | undefined;
    let chunks = 0;
    let complete = false;
    let stoppedEarly = false;
    const origin = displayOrigin(server.target.base);
    const finish = () => {
        const end = performance.now();
        result.prefillMs = (firstAt || end) - started;
        result.generateMs = firstAt ? end - firstAt : 0;
        result.generatedTokens = usage?.completion_tokens ?? timings?.predicted_n ?? chunks;
        if (stoppedEarly || result.aborted) result.generatedTokens = chunks;
        result.promptTokens = usage?.prompt_tokens ?? ((timings?.prompt_n ?? 0) + (timings?.cache_n ?? 0));
        if (!result.promptTokens) result.promptTokens = server.countTokens(promptTextOf(body));
        result.reusedTokens = timings?.cache_n ?? usage?.prompt_tokens_details?.cached_tokens ?? 0;
        return result;
    };
    // Deltas are decoded across events: a character may arrive in two (utf8Events.ts).
    const utf8 = new Utf8Deltas();
    const maxChars = options.maxTokens * MAX_CHARS_PER_TOKEN;
    const append = (delta: string) => {
        if (!delta || stoppedEarly) return;
        // Stopped: what the server sent after the abort (events already read, chunks already buffered) is not shown.
        if (options.signal.aborted) {
            result.aborted = true;
            stoppedEarly = true;
            return;
        }
        result.text += delta;
        if (result.text.length > maxChars) {
            server.log.warn(`${origin} sent more text than ${options.maxTokens} tokens can hold; kept the first ${maxChars} characters`);
            result.text = result.text.slice(0, maxChars);
            result.finishReason = "length";
            stoppedEarly = true;
        }
        onText(result.text);
        if (stop?.(result.text)) stoppedEarly = true;
    };
    const handle = (json: ChunkJson, raw = false) => {
        if (json.error !== undefined) {
            const message = typeof json.error === "string" ? json.error : json.error?.message ?? JSON.stringify(json.error).slice(0, 200);
            if (server.llamaServer && result.text && OUTPUT_PARSE_ERROR.test(message)) {
                // llama-server parses the output as it goes and stops the answer where its bytes are not valid
                // UTF-8 (a token limit that cut a multi-byte character; a byte-fallback token out of place). All
                // text before that point was streamed: keep it, as an answer cut short (a review repairs it).
                server.log.warn(`${origin} stopped an answer after ${result.text.length} characters: "${message}" `
                    + "(llama-server refuses output that is not valid UTF-8); kept the text before it");
                result.finishReason = "length";
                complete = true;
                return;
            }
            throw new RemoteError("status", l10n.t("The inference server at {0} reported an error in the middle of its answer: {1}", origin, message),
                undefined, message);
        }
        if (json.usage) usage = json.usage;
        if (json.timings) timings = json.timings;
        const part = extract(json);
        if (part.delta) {
            if (!firstAt) firstAt = performance.now();
            // A server that ignores max_tokens (an endless stream), or sends more text than that many tokens
            // can be: the answer ends at the limit, as the local engine's does.
            if (chunks >= options.maxTokens) {
                result.finishReason = "length";
                stoppedEarly = true;
                return;
            }
            chunks++;
            append(utf8.push(part.delta, raw));
        }
        if (part.finish) {
            append(utf8.end());
            result.finishReason = part.finish;
            complete = true;
        }
    };
    /** Handles one server-sent event; true for the [DONE] that ends the stream. */
    const onEvent = (event: SseEvent) => {
        if (event.data === "[DONE]") {
            complete = true;
            return true;
        }
        let json: ChunkJson;
        const data = decodeEventData(event.data);
        try {
            json = JSON.parse(data.text) as ChunkJson;
        } catch {
            throw malformed(origin, l10n.t("an event whose data is not JSON"), textOfBytes(event.data));
        }
        if (event.event === "error") json = {error: (json as {message?: string}).message ? json : (json.error ?? json)} as ChunkJson;
        handle(json, data.raw);
        return false;
    };

    let response;
    try {
        response = await openRequest(server.target, "POST", path, body, {signal: options.signal, bytes: true});
    } catch (error) {
        if (options.signal.aborted) return {...finish(), aborted: true};
        throw error;
    }
    try {
        if (response.status < 200 || response.status >= 300) {
            throw statusError(origin, response.status, textOfBytes(await readAll(response)), `POST ${path}`);
        }
        const type = String(response.headers["content-type"] ?? "");
        if (!/event-stream/i.test(type)) {
            // A server that ignored stream: true answers with one JSON document.
            const text = textOfBytes(await readAll(response));
            let json: ChunkJson;
            try {
                json = JSON.parse(text) as ChunkJson;
            } catch {
                throw malformed(origin, l10n.t("a {0} that is neither an event stream nor JSON", type || "response"), text);
            }
            handle(normalizeWhole(json));
            complete = true;
            return finish();
        }
        const parser = new SseParser();
        reading: for await (const chunk of response.chunks) {
            let events;
            try {
                events = parser.feed(chunk);
            } catch (error) {
                if (error instanceof SseFormatError) throw malformed(origin, error.message, "");
                throw error;
            }
            for (const event of events) {
                if (onEvent(event) || stoppedEarly) break reading;
            }
        }
        if (!complete && !stoppedEarly) {
            // An event the stream ended without a blank line after.
            for (const event of parser.end()) {
                if (onEvent(event)) break;
            }
        }
        if (!complete && !stoppedEarly) {
            throw new RemoteError("protocol", l10n.t("The inference server at {0} ended its answer without finishing it (no finish_reason and no [DONE]): the stream was cut or is not OpenAI-compatible.",
                origin));
        }
        return finish();
    } catch (error) {
        if (options.signal.aborted) return {...finish(), aborted: true};
        throw error;
    } finally {
        // Stopped early (stop rule, token limit, abort): closing the stream makes the server stop generating.
        if (!complete || stoppedEarly) response.close();
    }
}

/** The longest text one token can stand for, with room to spare (Gemma's longest tokens are runs of 31 spaces). */
const MAX_CHARS_PER_TOKEN = 48;

export interface ChunkJson {
    choices?: {text?: string; delta?: {content?: string | null}; message?: {content?: string | null}; finish_reason?: string | null}[];
    content?: string;
    stop?: boolean;
    usage?: Usage;
    timings?: Timings;
    error?: {message?: string} | string;
}

/** The prompt of a request body, to estimate its tokens. */
function promptTextOf(body: object): string {
    const b = body as {prompt?: unknown; messages?: {content: string}[]; input_prefix?: string; input_suffix?: string};
    if (typeof b.prompt === "string") return b.prompt;
    if (Array.isArray(b.messages)) return b.messages.map((m) => m.content).join("\n");
    return `${b.input_prefix ?? ""}${b.input_suffix ?? ""}`;
}

/** A non-streamed answer in the shape of one stream chunk. */
function normalizeWhole(json: ChunkJson): ChunkJson {
    const choice = json.choices?.[0];
    if (choice?.message) return {...json, choices: [{delta: {content: choice.message.content ?? ""}, finish_reason: choice.finish_reason ?? "stop"}]};
    if (choice && choice.finish_reason == null) return {...json, choices: [{...choice, finish_reason: "stop"}]};
    if (typeof json.content === "string") return {...json, stop: true};
    return json;
}

function malformed(origin: string, what: string, sample: string) {
    const shown = sample.replace(/\s+/g, " ").trim().slice(0, 80);
    // The stream's own text (shown) is quoted as it came.
    return new RemoteError("protocol", shown
        ? l10n.t("The inference server at {0} sent a malformed stream ({1}: \"{2}\"); expected server-sent events with `data: {json}` lines.", origin, what, shown)
        : l10n.t("The inference server at {0} sent a malformed stream ({1}); expected server-sent events with `data: {json}` lines.", origin, what));
}
