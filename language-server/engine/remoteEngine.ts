// The remote engine: every request goes to an OpenAI-compatible inference server (llama.cpp's llama-server, vLLM,
// Ollama…) that a developer or a team already runs.
//
// - Completion: POST /v1/completions with the same prompt the local engine builds (Gemma's chat template with the
//   answer prefilled; the user's code can never become control tokens), streamed. On llama-server: `cache_prompt`,
//   so the KV cache of the unchanged prompt prefix is reused while the user types, and /infill for models with
//   fill-in-the-middle tokens.
// - Chat and explain: POST /v1/chat/completions, streamed (server-sent events). On llama-server: the conversation
//   rendered by its own template (/apply-template) and sent as a completion (see templated()).
// - Review: on llama-server, the grammar the local engine uses for the JSON schema; elsewhere
//   `response_format: json_schema` (vLLM's guided decoding), with the schema in the prompt, validation and one retry
//   for a server that rejects it.
// - Connection: probed on configure (GET /health, /v1/models, /props: is it llama-server, how big is its context,
//   what model, how many characters per token); a request that finds the server gone turns the state to "error"
//   and probes again with backoff, and the next request probes at once.
// - Cancellation closes the HTTP stream; http.ts bounds every wait, so a stalled server cannot hang a request.
import type {CancellationToken} from "vscode-languageserver";
import {ResponseError} from "vscode-languageserver";
import {ErrorCodes, ServerSettings, ServerState, SystemInfo} from "../../protocol/lsp";
import type {ModelIdentity} from "../completion/modelFamily";
import type {PromptPart} from "../completion/prompt";
import type {Logger} from "../log";
import {
    BeforeUnload, ChatOptions, ChatTurn, CompletionRequest, emptyResult, Engine, GenerationOptions, GenerationResult, ModelSession,
    shouldStop
} from "./engine";
// node-llama-cpp's JSON-schema-to-GBNF generator (pure JavaScript, bundled by esbuild; the package's exports do not
// name it): the remote engine sends llama-server the very grammar the local engine uses.
import {getGbnfGrammarForGbnfJsonSchema} from "../../node_modules/node-llama-cpp/dist/utils/gbnfJson/getGbnfGrammarForGbnfJsonSchema.js";
import {decodeEventData, textOfBytes, Utf8Deltas} from "./utf8Events";
import {displayOrigin, HttpTarget, normalizeEndpoint, openRequest, readAll, RemoteError, requestJson, sleep, statusError} from "./http";
import {type SseEvent, SseFormatError, SseParser} from "./sse";

export type ServerKind = "llama-server" | "openai-compatible";

/** What a probe learned about the server. */
export interface ServerInfo {
    kind: ServerKind;
    /** Sent as `model` with every request. */
    requestModel: string;
    /** Shown to the user. */
    displayName: string;
    contextSize: number;
    identity: ModelIdentity;
    /** Characters per token, measured with the server's tokenizer when it has a /tokenize endpoint. */
    charsPerToken: number;
    models: string[];
    /** llama-server: the BOS token's text, stripped from a rendered chat prompt (the server adds BOS itself). */
    bosToken?: string;
}

const NO_ENDPOINT = "No inference server is configured: set gemmaCode.remote.endpoint to its URL (e.g. http://gpu-box:8080), "
    + "or set gemmaCode.engine to \"local\".";
const DEFAULT_CONTEXT = 8192;
/** llama-server's error for output that its final parse rejects (see RemoteSession.stream). */
const OUTPUT_PARSE_ERROR = /^The model produced output that does not match the expected .{1,40} format$/;
/** GBNF: any text that is valid UTF-8 (see RemoteSession.extras). */
const VALID_UTF8_GRAMMAR = "root ::= [^\\x00]*";
const PROBE_TIMEOUT_MS = 5000;

interface Connection {
    key: string;
    target: HttpTarget;
    origin: string;
    /** Aborted when the settings replace this connection. */
    controller: AbortController;
    session?: RemoteSession;
    /** The last probe or request found the server gone; requests wait for a new probe. */
    down: boolean;
    failure?: string;
    failedAt: number;
    probing?: Promise<RemoteSession>;
    retryDelayMs: number;
    retryTimer?: NodeJS.Timeout;
    startedAt: number;
}

export class RemoteEngine implements Engine {
    readonly kind = "remote" as const;
    private state: ServerState = {status: "noModel", message: NO_ENDPOINT, engine: "remote", pid: process.pid};
    private conn: Connection | undefined;
    private settings: ServerSettings | undefined;
    private readonly hooks: BeforeUnload[] = [];
    isBusy: () => boolean = () => false;

    constructor(private readonly log: Logger, private readonly onState: (state: ServerState) => void) {}

    get currentState() {
        return this.state;
    }

    configure(settings: ServerSettings) {
        this.settings = settings;
        const r = settings.remote;
        const key = JSON.stringify([r.endpoint, r.model, r.apiKey, r.tlsVerify, r.timeoutMs]);
        if (this.conn?.key === key) return;
        const previous = this.conn;
        if (previous) this.retire(previous);
        if (!r.endpoint) {
            this.conn = undefined;
            this.setState({status: "noModel", message: NO_ENDPOINT});
            return;
        }
        let base: string;
        try {
            base = normalizeEndpoint(r.endpoint);
        } catch (error) {
            this.conn = undefined;
            this.setState({status: "error", message: (error as Error).message});
            return;
        }
        const origin = displayOrigin(base);
        const conn: Connection = {
            key, origin, controller: new AbortController(), down: true, failedAt: 0, retryDelayMs: 1000, startedAt: performance.now(),
            target: {base, apiKey: r.apiKey, tlsVerify: r.tlsVerify, timeoutMs: r.timeoutMs}
        };
        this.conn = conn;
        this.setState({status: "loading", message: `Connecting to the inference server at ${origin}…`, endpoint: origin});
        void this.probe(conn).catch(() => undefined);
    }

    async whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession> {
        const conn = this.conn;
        if (!conn) throw new ResponseError(ErrorCodes.ModelNotReady, this.state.message);
        if (conn.session && !conn.down) return conn.session;
        // Down: probe again now (the server may be back), with one attempt and no retries, so that a request does not
        // wait long for a server that is still down; or wait for the probe already running.
        if (!conn.probing) void this.probe(conn, true).catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        let cancelListener: {dispose(): void} | undefined;
        const giveUp = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ResponseError(ErrorCodes.ModelNotReady,
                `The inference server at ${conn.origin} is not ready after ${Math.round(timeoutMs / 1000)} s: ${this.state.message}`)), timeoutMs);
            cancelListener = token?.onCancellationRequested(() => reject(new ResponseError(-32800, "Request cancelled")));
        });
        try {
            return await Promise.race([conn.probing!, giveUp]);
        } catch (error) {
            if (error instanceof ResponseError && error.code !== ErrorCodes.EngineFailed) throw error;
            throw new ResponseError(ErrorCodes.ModelNotReady, conn.failure ?? String((error as Error).message ?? error));
        } finally {
            clearTimeout(timer);
            cancelListener?.dispose();
        }
    }

    onBeforeUnload(hook: BeforeUnload) {
        this.hooks.push(hook);
    }

    systemInfo(): Promise<SystemInfo> {
        throw new ResponseError(ErrorCodes.InvalidInput, "The remote engine has no local system information.");
    }

    async dispose() {
        if (this.conn) this.retire(this.conn);
        this.conn = undefined;
        await this.runHooks();
    }

    private retire(conn: Connection) {
        conn.controller.abort();
        clearTimeout(conn.retryTimer);
        // Work in flight on the old server stops (as the local engine does before a reload).
        void this.runHooks();
    }

    private async runHooks() {
        for (const hook of this.hooks) await hook().catch((e) => this.log.error(`before unload: ${e}`));
    }

    private setState(state: Omit<ServerState, "pid" | "engine">) {
        this.state = {...state, engine: "remote", pid: process.pid};
        this.onState(this.state);
    }

    private isCurrent(conn: Connection) {
        return this.conn === conn;
    }

    /** Probes the server; on success the connection is up with a session, on failure it retries with backoff. */
    private probe(conn: Connection, quick = false): Promise<RemoteSession> {
        clearTimeout(conn.retryTimer);
        const probing = probeServer(conn.target, this.settings?.remote.model ?? "", conn.controller.signal, quick ? 0 : 2, (message) => {
            if (this.isCurrent(conn) && this.state.status !== "ready") this.setState({status: "loading", message, endpoint: conn.origin});
        }, this.log).then((info) => {
            if (conn.probing === probing) conn.probing = undefined;
            const session = conn.session?.sameAs(info) ? conn.session : new RemoteSession(conn.target, info, (e) => this.onRequestFailure(conn, e), this.log);
            conn.session = session;
            conn.down = false;
            conn.failure = undefined;
            conn.retryDelayMs = 1000;
            if (this.isCurrent(conn)) {
                const missing = this.settings?.remote.model && info.models.length && !info.models.includes(this.settings.remote.model)
                    ? ` Note: the server lists ${info.models.slice(0, 5).join(", ")}, not "${this.settings.remote.model}".` : "";
                this.setState({
                    status: "ready",
                    message: `${info.displayName} ready on ${info.kind} at ${conn.origin}.${missing}`,
                    modelName: info.displayName, contextSize: info.contextSize, endpoint: conn.origin, serverKind: info.kind,
                    loadMs: Math.round(performance.now() - conn.startedAt)
                });
                this.log.info(`Remote engine ready: ${info.kind} at ${conn.origin}, model "${info.requestModel}", context ${info.contextSize}, `
                    + `~${info.charsPerToken.toFixed(2)} characters per token${missing}`);
            }
            return session;
        }, (error: unknown) => {
            if (conn.probing === probing) conn.probing = undefined;
            const message = error instanceof Error ? error.message : String(error);
            conn.down = true;
            conn.failure = message;
            conn.failedAt = performance.now();
            if (this.isCurrent(conn) && !conn.controller.signal.aborted) {
                if (this.state.status !== "error" || this.state.message !== message) {
                    this.setState({status: "error", message, endpoint: conn.origin});
                    this.log.error(`Remote engine: ${message}`);
                }
                this.scheduleProbe(conn);
            }
            throw error;
        });
        conn.probing = probing;
        return probing;
    }

    private scheduleProbe(conn: Connection) {
        clearTimeout(conn.retryTimer);
        conn.retryTimer = setTimeout(() => {
            if (this.isCurrent(conn) && conn.down && !conn.probing) void this.probe(conn).catch(() => undefined);
        }, conn.retryDelayMs);
        conn.retryTimer.unref();
        conn.retryDelayMs = Math.min(conn.retryDelayMs * 2, 30_000);
    }

    /** A request failed: if the server looks gone, say so and probe until it is back. */
    private onRequestFailure(conn: Connection, error: RemoteError) {
        this.log.warn(`Remote engine: ${error.message}`);
        if (!error.serverDown || !this.isCurrent(conn) || conn.down) return;
        conn.down = true;
        conn.failure = error.message;
        conn.failedAt = performance.now();
        this.setState({status: "error", message: error.message, endpoint: conn.origin});
        this.scheduleProbe(conn);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Probing

interface ModelsBody {
    data?: {id?: string; max_model_len?: number; meta?: {n_ctx_train?: number}}[];
}
interface PropsBody {
    default_generation_settings?: {n_ctx?: number};
    bos_token?: string;
    total_slots?: number;
    model_path?: string;
    model_alias?: string;
    chat_template?: string;
}

/** Code and prose in the proportions a completion prompt has, to measure characters per token. */
const TOKENIZER_SAMPLE = `export function parseConfig(text: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const line of text.split("\\n")) {
        const trimmed = line.trim();
        if (!trimmed || trimmed.startsWith("#")) continue; // comments and blank lines
        const [key, ...rest] = trimmed.split("=");
        result[key.trim()] = rest.join("=").trim();
    }
    return result;
}
def average(values):
    """Return the mean of values, or 0.0 for an empty list."""
    return sum(values) / len(values) if values else 0.0
You complete code. Continue the file exactly where it stops, and reply with the missing code only.
`;

export async function probeServer(target: HttpTarget, configuredModel: string, signal: AbortSignal, retries: number,
                                  onProgress: (message: string) => void, log: Logger): Promise<ServerInfo> {
    const origin = displayOrigin(target.base);
    const options = {signal, timeoutMs: Math.min(target.timeoutMs, PROBE_TIMEOUT_MS), retries};

    // 1. /health: llama-server and vLLM have it (503 while llama-server loads its model); Ollama does not (404).
    for (let wait = 1000; ; wait = Math.min(wait * 2, 5000)) {
        const health = await requestJson<{status?: string}>(target, "GET", "/health", undefined, options);
        if (health.status !== 503) break;
        onProgress(`The inference server at ${origin} is loading its model…`);
        await sleep(wait, signal);
        if (signal.aborted) throw new RemoteError("aborted", "Replaced by new settings");
    }

    // 2. /v1/models: the OpenAI API's model list (and the API key check: llama-server leaves /health open).
    const models = await requestJson<ModelsBody>(target, "GET", "/v1/models", undefined, options);
    if (models.status === 401 || models.status === 403) throw statusError(origin, models.status, models.text, "GET /v1/models");
    if (models.status !== 200 || !Array.isArray(models.body?.data)) {
        throw new RemoteError("protocol", `${origin} does not look like an OpenAI-compatible inference server: GET /v1/models answered `
            + `HTTP ${models.status}${models.status === 200 ? " without a model list" : ""}. Set gemmaCode.remote.endpoint to the server's base URL.`,
        models.status);
    }
    const ids = models.body!.data!.map((m) => m.id).filter((id): id is string => typeof id === "string");

    // 3. /props: only llama-server has it, with its per-slot context size and the model's chat template.
    let props: PropsBody | undefined;
    const propsResponse = await requestJson<PropsBody>(target, "GET", "/props", undefined, options).catch(() => undefined);
    if (propsResponse?.status === 200 && propsResponse.body?.default_generation_settings) props = propsResponse.body;
    const kind: ServerKind = props ? "llama-server" : "openai-compatible";

    const requestModel = configuredModel || ids[0] || "default";
    const fileName = (p: string) => p.replace(/^.*[\\/]/, "").replace(/\.gguf$/i, "");
    const displayName = configuredModel || (props?.model_path ? fileName(props.model_path) : fileName(ids[0] ?? "model"));
    const first = models.body!.data!.find((m) => m.id === requestModel) ?? models.body!.data![0];
    const contextSize = props?.default_generation_settings?.n_ctx || first?.max_model_len || DEFAULT_CONTEXT;

    // 4. Characters per token from the server's tokenizer (llama-server's and vLLM's /tokenize), to fit prompts
    //    to the budget without a round trip per count. Without one: 3, on the safe side for code.
    let charsPerToken = 3;
    try {
        const body = kind === "llama-server" ? {content: TOKENIZER_SAMPLE, add_special: false}
            : {model: requestModel, prompt: TOKENIZER_SAMPLE, add_special_tokens: false};
        const tokenized = await requestJson<{tokens?: unknown[]; count?: number}>(target, "POST", "/tokenize", body, options);
        const count = tokenized.body?.count ?? tokenized.body?.tokens?.length;
        if (tokenized.status === 200 && count && count > 0) charsPerToken = TOKENIZER_SAMPLE.length / count;
    } catch (error) {
        log.debug(`remote: no /tokenize (${(error as Error).message}); estimating 3 characters per token`);
    }

    const name = `${displayName} ${requestModel}`;
    const identity: ModelIdentity = {
        // Only the family matters here (modelFamily.ts treats every gemma* architecture alike: Gemma 2 and 3).
        architecture: /gemma[-_ ]?3/i.test(name) ? "gemma3" : /gemma/i.test(name) ? "gemma2" : /starcoder2/i.test(name) ? "starcoder2" : undefined,
        name: displayName,
        basename: requestModel,
        // An OpenAI-compatible server that serves chat has a template; llama-server says whether the GGUF has one.
        hasChatTemplate: props ? typeof props.chat_template === "string" && props.chat_template.length > 0 : true
    };
    return {kind, requestModel, displayName, contextSize, identity, charsPerToken, models: ids, bosToken: props?.bos_token};
}

// ---------------------------------------------------------------------------------------------------------------
// Generation

interface StreamPart {
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

/**
 * Strings that look like control tokens, in the user's code: servers parse them as special tokens in a prompt
 * string (the local engine tokenizes code without parsing them), so a file containing "<end_of_turn>" could end the
 * prompt. A zero-width space after the "<" keeps them text.
 */
const SPECIAL_LIKE = /<(?=(?:start_of_turn|end_of_turn|bos|eos|pad|unk|mask|file_sep|fim_[a-z]+)>)|<(?=\|[a-z_]{2,30}\|>)|<(?=｜[^｜\n]{1,30}｜>)|\[(?=(?:SUFFIX|PREFIX|MIDDLE)\])/g;

export function renderPromptText(parts: PromptPart[]): string {
    return parts.map((p) => p.special ? p.text : defangSpecials(p.text)).join("");
}

export function defangSpecials(text: string): string {
    return text.replace(SPECIAL_LIKE, (m) => `${m}\u200b`);
}

const completionText = (json: ChunkJson): StreamPart => ({delta: json.choices?.[0]?.text, finish: json.choices?.[0]?.finish_reason});
const chatDelta = (json: ChunkJson): StreamPart => ({delta: json.choices?.[0]?.delta?.content ?? undefined, finish: json.choices?.[0]?.finish_reason});

/** Gemma has no system role and needs strictly alternating turns: fold and merge, which suits every model. */
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

class RemoteSession implements ModelSession {
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
        if (this.llamaServer) return this.templated(history, options, {grammar: VALID_UTF8_GRAMMAR}, onText);
        return this.stream("/v1/chat/completions", this.chatBody(history, options.maxTokens), options, chatDelta, onText);
    }

    async generateJson(history: ChatTurn[], schema: object, options: GenerationOptions): Promise<GenerationResult> {
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
            return this.templated(history, options, grammar ? {grammar} : {json_schema: schema}, () => undefined);
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

    /**
     * POSTs a streaming request and reads its server-sent events until the answer is complete, `stop` says so,
     * or the signal fires (then it resolves with `aborted` and the text so far). Failures are RemoteErrors.
     * Servers report prompt tokens at the end of a stream: for one stopped early, they are estimated.
     */
    private async stream(path: string, body: object, options: GenerationOptions, extract: (json: ChunkJson) => StreamPart,
                         onText: (text: string) => void, stop?: (text: string) => boolean): Promise<GenerationResult> {
        const result = emptyResult();
        const started = performance.now();
        let firstAt = 0;
        let usage: Usage | undefined;
        let timings: Timings | undefined;
        let chunks = 0;
        let complete = false;
        let stoppedEarly = false;
        const origin = displayOrigin(this.target.base);
        const finish = () => {
            const end = performance.now();
            result.prefillMs = (firstAt || end) - started;
            result.generateMs = firstAt ? end - firstAt : 0;
            result.generatedTokens = usage?.completion_tokens ?? timings?.predicted_n ?? chunks;
            if (stoppedEarly || result.aborted) result.generatedTokens = chunks;
            result.promptTokens = usage?.prompt_tokens ?? ((timings?.prompt_n ?? 0) + (timings?.cache_n ?? 0));
            if (!result.promptTokens) result.promptTokens = this.countTokens(promptTextOf(body));
            result.reusedTokens = timings?.cache_n ?? usage?.prompt_tokens_details?.cached_tokens ?? 0;
            return result;
        };
        // Deltas are decoded across events: a character may arrive in two (utf8Events.ts).
        const utf8 = new Utf8Deltas();
        const maxChars = options.maxTokens * MAX_CHARS_PER_TOKEN;
        const append = (delta: string) => {
            if (!delta || stoppedEarly) return;
            result.text += delta;
            if (result.text.length > maxChars) {
                this.log.warn(`${origin} sent more text than ${options.maxTokens} tokens can hold; kept the first ${maxChars} characters`);
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
                if (this.llamaServer && result.text && OUTPUT_PARSE_ERROR.test(message)) {
                    // llama-server parses the output as it goes and stops the answer where its bytes are not valid
                    // UTF-8 (a token limit that cut a multi-byte character; a byte-fallback token out of place). All
                    // text before that point was streamed: keep it, as an answer cut short (a review repairs it).
                    this.log.warn(`${origin} stopped an answer after ${result.text.length} characters: "${message}" `
                        + "(llama-server refuses output that is not valid UTF-8); kept the text before it");
                    result.finishReason = "length";
                    complete = true;
                    return;
                }
                throw new RemoteError("status", `The inference server at ${origin} reported an error in the middle of its answer: ${message}`,
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
                throw malformed(origin, "an event whose data is not JSON", textOfBytes(event.data));
            }
            if (event.event === "error") json = {error: (json as {message?: string}).message ? json : (json.error ?? json)} as ChunkJson;
            handle(json, data.raw);
            return false;
        };

        let response;
        try {
            response = await openRequest(this.target, "POST", path, body, {signal: options.signal, bytes: true});
        } catch (error) {
            if (options.signal.aborted) return {...finish(), aborted: true};
            throw this.failed(error);
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
                    throw malformed(origin, `a ${type || "response"} that is neither an event stream nor JSON`, text);
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
                throw new RemoteError("protocol", `The inference server at ${origin} ended its answer without finishing it `
                    + "(no finish_reason and no [DONE]): the stream was cut or is not OpenAI-compatible.");
            }
            return finish();
        } catch (error) {
            if (options.signal.aborted) return {...finish(), aborted: true};
            throw this.failed(error);
        } finally {
            // Stopped early (stop rule, token limit, abort): closing the stream makes the server stop generating.
            if (!complete || stoppedEarly) response.close();
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

/** The longest text one token can stand for, with room to spare (Gemma's longest tokens are runs of 31 spaces). */
const MAX_CHARS_PER_TOKEN = 48;

interface ChunkJson {
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
    return new RemoteError("protocol", `The inference server at ${origin} sent a malformed stream (${what}${shown ? `: "${shown}"` : ""}); `
        + "expected server-sent events with `data: {json}` lines.");
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
 * Arabic, Han … and accents) count one token each: tokenizers take one or two of them per token, not three or four,
 * so a Hindi prompt measured by the ASCII ratio would be under-counted about threefold.
 */
export function estimateTokens(text: string, charsPerToken: number): number {
    let other = 0;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) other++;
    return Math.ceil((text.length - other) / (charsPerToken * 0.9)) + other;
}
