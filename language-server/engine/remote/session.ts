// A session on a probed inference server: completion (/v1/completions, or /infill for fill-in-the-middle models on
// llama-server), chat and explain (/v1/chat/completions, or the server's own chat template on llama-server), JSON
// answers for review (a grammar on llama-server, response_format elsewhere, the schema in the prompt as a fallback).
// Each answer is one stream (openaiStream.ts); a failure that means the server is gone is reported to the engine.
import type {Logger} from "../../log";
import {
    ChatOptions, ChatTurn, CompletionRequest, emptyResult, GenerationOptions, GenerationResult, ModelSession, PromptPart, ProseOptions, shouldStop,
    transcriptExample, transcriptPrompt, transcriptStops, visibleDeltas
} from "../engine";
import {defangSpecials} from "../modelFamily";
// node-llama-cpp's JSON-schema-to-GBNF generator (pure JavaScript, bundled by esbuild; the package's exports do not
// name it): the remote engine sends llama-server the very grammar the local engine uses.
import {getGbnfGrammarForGbnfJsonSchema} from "../../../node_modules/node-llama-cpp/dist/utils/gbnfJson/getGbnfGrammarForGbnfJsonSchema.js";
import {displayOrigin, HttpTarget, RemoteError, requestJson, statusError} from "./http";
import {chatDelta, type ChunkJson, completionText, type StreamPart, streamAnswer} from "./openaiStream";
import type {ServerInfo} from "./probe";

/** Where node-llama-cpp's JSON-schema grammars end (their stop trigger). */
const JSON_GRAMMAR_END = "\n".repeat(4);
/** GBNF: any text that is valid UTF-8 (see extras()). */
const VALID_UTF8_GRAMMAR = "root ::= [^\\x00]*";

export function renderPromptText(parts: PromptPart[]): string {
    return parts.map((p) => p.special ? p.text : defangSpecials(p.text)).join("");
}

/**
 * Gemma has no system role (GEMMA_TURNS.systemRole) and needs strictly alternating turns: fold and merge, which suits
 * every model.
 */
export function toServerMessages(history: ChatTurn[]): {role: "user" | "assistant"; content: string}[] {
    const system = history.filter((t) => t.role === "system").map((t) => t.content).join("\n\n");
    const out: {role: "user" | "assistant"; content: string}[] = [];
    for (const t of history) {
        if (t.role === "system") continue;
        const last = out.at(-1);
        if (last && last.role === t.role) last.content += `\n\n${t.content}`;
        else out.push({role: t.role, content: t.content});
    }
    if (system) {
        if (out[0]?.role === "user") out[0].content = `${system}\n\n${out[0].content}`;
        else out.unshift({role: "user", content: system});
    }
    return out;
}

export class RemoteSession implements ModelSession {
    private fimSupported: boolean | undefined;
    private responseFormatSupported = true;

    constructor(private readonly target: HttpTarget, private readonly info: ServerInfo,
                private readonly onFailure: (error: RemoteError) => void, private readonly log: Logger) {}

    sameAs(info: ServerInfo) {
        return JSON.stringify(info) === JSON.stringify(this.info);
    }

    get name() {
        return this.info.displayName;
    }
    get contextSize() {
        return this.info.contextSize;
    }
    get identity() {
        return this.info.identity;
    }

    countTokens(text: string) {
        return estimateTokens(text, this.info.charsPerToken);
    }

    private get llamaServer() {
        return this.info.kind === "llama-server";
    }

    /**
     * Fields only llama-server knows (others would reject or warn about them): `cache_prompt` reuses the KV cache of
     * the prompt prefix the previous request shared. For free text, a grammar that admits any valid UTF-8: this
     * llama-server answers HTTP 500 ("does not match the expected Content-only format") at the end of a generation
     * whose bytes are not valid UTF-8 (a byte-fallback token cut off, or a small model's noise); the grammar makes
     * the sampler skip such tokens, at no measurable cost (tiny model: ~1,400 tok/s with and without it).
     */
    private extras(): Record<string, unknown> {
        // timings_per_token: the prompt and cache numbers arrive with the first token, so a completion that is stopped
        // early (end of line) still reports how much of its prompt was reused.
        return this.llamaServer ? {cache_prompt: true, grammar: VALID_UTF8_GRAMMAR, timings_per_token: true} : {};
    }

    async complete(request: CompletionRequest): Promise<GenerationResult> {
        const stop = (text: string) => shouldStop(text, request.prompt.stops, request.singleLine);
        if (request.style.startsWith("fim-") && this.llamaServer && this.fimSupported !== false) {
            try {
                const result = await this.stream("/infill", {
                    input_prefix: request.prompt.prefixText, input_suffix: request.prompt.suffixText,
                    input_extra: request.prompt.snippets.map((s) => ({filename: s.label, text: s.text})),
                    n_predict: request.maxTokens, temperature: 0, stream: true, ...this.extras()
                }, request, (json) => ({delta: typeof json.content === "string" ? json.content : undefined, finish: json.stop === true ? "stop" : undefined}),
                (text) => request.onText?.(text), stop);
                this.fimSupported = true;
                return result;
            } catch (error) {
                // A model without fill-in-the-middle tokens: llama-server says so; use the completion endpoint instead.
                if (!(error instanceof RemoteError && error.kind === "status" && /infill|not supported/i.test(error.serverMessage ?? ""))) throw error;
                this.fimSupported = false;
            }
        }
        return this.stream("/v1/completions", {
            model: this.info.requestModel, prompt: renderPromptText(request.prompt.parts), max_tokens: request.maxTokens,
            temperature: 0, stream: true, stream_options: {include_usage: true},
            ...(request.prompt.stops.length ? {stop: request.prompt.stops.slice(0, 4)} : {}), ...this.extras()
        }, request, completionText, (text) => request.onText?.(text), stop);
    }

    chat(history: ChatTurn[], options: ChatOptions): Promise<GenerationResult> {
        let sent = 0;
        const onText = (text: string) => {
            if (options.onDelta && text.length > sent) options.onDelta(text.slice(sent));
            sent = text.length;
        };
        if (this.transcriptLayout) {
            return this.transcript(history, options, {grammar: VALID_UTF8_GRAMMAR}, transcriptStops(transcriptExample(options.language)), options.onDelta);
        }
        if (this.llamaServer) return this.templated(history, options, {grammar: VALID_UTF8_GRAMMAR}, onText);
        return this.stream("/v1/chat/completions", this.chatBody(history, options.maxTokens), options, chatDelta, onText);
    }

    async generateJson(history: ChatTurn[], schema: object, options: ProseOptions): Promise<GenerationResult> {
        // llama-server constrains sampling with a grammar: the output always parses (or is a valid prefix when cut).
        // The local engine's grammar for the schema (node-llama-cpp's): with the same model, both engines then give the
        // same answer (measured: identical review output on the tiny model). llama-server's own conversion of
        // json_schema would let the model spend its tokens on up to 2 newlines and 20 spaces between any two tokens.
        if (this.llamaServer) {
            let grammar: string | undefined;
            try {
                grammar = getGbnfGrammarForGbnfJsonSchema(schema as never);
            } catch {
                grammar = undefined; // a schema node-llama-cpp cannot express: the server converts it
            }
            // The grammar's output is complete at its four line breaks, after which it allows more until the token
            // limit (node-llama-cpp stops there by its stop trigger): the server stops there too.
            const constraint = grammar ? {grammar, stop: [JSON_GRAMMAR_END]} : {json_schema: schema};
            if (this.transcriptLayout) return this.transcript(history, options, constraint, []);
            return this.templated(history, options, constraint, () => undefined);
        }
        let last: GenerationResult | undefined;
        for (let attempt = 0; attempt < 2; attempt++) {
            const constrained = this.responseFormatSupported;
            // Without a server-side constraint, the schema goes into the prompt; a retry repeats the rule.
            const turns = constrained && attempt === 0 ? history : withJsonInstruction(history, schema, attempt > 0);
            const body = {...this.chatBody(turns, options.maxTokens),
                ...(constrained ? {response_format: {type: "json_schema", json_schema: {name: "answer", schema, strict: true}}} : {})};
            try {
                last = await this.stream("/v1/chat/completions", body, options, chatDelta, () => undefined);
            } catch (error) {
                // A server that does not know response_format / json_schema (400 or 422): constrain by prompt instead.
                if (constrained && error instanceof RemoteError && error.kind === "status" && (error.status === 400 || error.status === 422)
                    && /response_format|json_schema|schema|grammar/i.test(error.serverMessage ?? "")) {
                    this.responseFormatSupported = false;
                    attempt--;
                    continue;
                }
                throw error;
            }
            // Parses, was cut by the token limit (the caller repairs a valid prefix), or was stopped: done.
            if (last.aborted || last.finishReason === "length" || isJson(last.text)) return last;
        }
        return last!;
    }

    /**
     * A llama-server whose model has no chat template of its own (probe.ts: a base model, served with a fallback
     * template it never learned): chat, explain and review get the local engine's plain transcript instead.
     */
    private get transcriptLayout() {
        return this.llamaServer && !this.info.identity.hasChatTemplate;
    }

    /**
     * The conversation as the plain transcript (../transcript.ts), generated as a completion with the transcript's
     * stops (sent to the server, and checked here too), streamed as the local engine streams it: cut at a stop, the
     * space after "Answer:" and trailing whitespace left out. A grammar (review) comes without stops, as locally. The
     * worked example is in the reply's language, as locally (../transcript.ts).
     */
    private async transcript(history: ChatTurn[], options: ProseOptions, constraint: Record<string, unknown>,
                             stops: readonly string[], onDelta?: (text: string) => void): Promise<GenerationResult> {
        const emit = visibleDeltas(stops, true, onDelta);
        const result = await this.stream("/v1/completions", {
            model: this.info.requestModel, prompt: defangSpecials(transcriptPrompt(history, transcriptExample(options.language))), max_tokens: options.maxTokens, temperature: 0,
            stream: true, stream_options: {include_usage: true}, cache_prompt: true, ...(stops.length ? {stop: stops.slice(0, 4)} : {}),
            ...constraint
        }, options, completionText, (text) => void emit(text, false));
        return {...result, text: emit(result.text, true)};
    }

    /**
     * llama-server: the conversation rendered by the server's own chat template (POST /apply-template), then generated
     * as a plain completion. Its /v1/chat/completions parses every answer for tool calls and reasoning with a parser
     * made from the template, and fails the whole request (HTTP 500 mid-stream, "does not match the expected
     * peg-native format") when an answer does not fit it; a completion has no such parse. cache_prompt still reuses
     * the KV cache of the conversation so far.
     */
    private async templated(history: ChatTurn[], options: GenerationOptions, constraint: Record<string, unknown>,
                            onText: (text: string) => void): Promise<GenerationResult> {
        const origin = displayOrigin(this.target.base);
        let prompt: string;
        try {
            const messages = toServerMessages(history).map((m) => ({...m, content: defangSpecials(m.content)}));
            const rendered = await requestJson<{prompt?: string}>(this.target, "POST", "/apply-template", {messages},
                {signal: options.signal, retries: 1});
            if (rendered.status !== 200 || typeof rendered.body?.prompt !== "string") {
                throw statusError(origin, rendered.status, rendered.text, "POST /apply-template");
            }
            prompt = rendered.body.prompt;
        } catch (error) {
            if (options.signal.aborted) return {...emptyResult(), aborted: true};
            throw this.failed(error);
        }
        const bos = this.info.bosToken;
        if (bos && prompt.startsWith(bos)) prompt = prompt.slice(bos.length);
        return this.stream("/v1/completions", {
            model: this.info.requestModel, prompt, max_tokens: options.maxTokens, temperature: 0, stream: true,
            stream_options: {include_usage: true}, cache_prompt: true, ...constraint
        }, options, completionText, onText);
    }

    /** For OpenAI-compatible servers other than llama-server (see templated()). */
    private chatBody(history: ChatTurn[], maxTokens: number) {
        const messages = toServerMessages(history).map((m) => ({...m, content: defangSpecials(m.content)}));
        return {model: this.info.requestModel, messages, max_tokens: maxTokens, temperature: 0, stream: true, stream_options: {include_usage: true}};
    }

    private async stream(path: string, body: object, options: GenerationOptions, extract: (json: ChunkJson) => StreamPart,
                         onText: (text: string) => void, stop?: (text: string) => boolean): Promise<GenerationResult> {
        const server = {target: this.target, llamaServer: this.llamaServer, log: this.log, countTokens: (text: string) => this.countTokens(text)};
        try {
            return await streamAnswer(server, path, body, options, extract, onText, stop);
        } catch (error) {
            throw this.failed(error);
        }
    }

    private failed(error: unknown): Error {
        if (error instanceof RemoteError) {
            this.onFailure(error);
            return error;
        }
        return error as Error;
    }
}

function isJson(text: string) {
    try {
        JSON.parse(text);
        return true;
    } catch {
        return false;
    }
}

function withJsonInstruction(history: ChatTurn[], schema: object, retry: boolean): ChatTurn[] {
    const rule = `${retry ? "Your previous answer was not valid JSON. " : ""}Answer with one JSON object only, no prose and no code fence, `
        + `matching this JSON schema:\n${JSON.stringify(schema)}`;
    const turns = history.slice();
    const i = turns.map((t) => t.role).lastIndexOf("user");
    if (i >= 0) turns[i] = {...turns[i], content: `${turns[i].content}\n\n${rule}`};
    else turns.push({role: "user", content: rule});
    return turns;
}

/**
 * Tokens of `text` from the server's measured characters per token (of a code sample, so mostly ASCII), 10 % over
 * it: a prompt that fits the estimate must fit the server's context. Characters outside ASCII (Devanagari, Bengali,
 * Arabic, Han … and accents) count one token each: the server's tokenizer is unknown, and Llama-class ones split
 * such text into about a token per character or more (Gemma's takes ~3.5 Devanagari characters per token, measured
 * in test/real/language.test.ts), so one per character is the bound that holds for every server.
 */
export function estimateTokens(text: string, charsPerToken: number): number {
    let other = 0;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) other++;
    return Math.ceil((text.length - other) / (charsPerToken * 0.9)) + other;
}
