// The inference engine interface. Completion, review, explain and chat talk to an Engine and the ModelSession it
// hands out; none of them knows whether the model runs in this process (local/localEngine.ts, node-llama-cpp) or on
// an OpenAI-compatible inference server (remote/remoteEngine.ts: llama-server, vLLM, Ollama).
//
// This file is the engine's only door: features (completion/, review/, tasks/, context/, edit/, commitMessage/)
// import nothing else from engine/ (test/unit/importRules.test.ts checks), and engine/ imports no feature. The
// model-family table (modelFamily.ts) is re-exported here for the prompt builder and the postprocessor, and the
// transcript layout (transcript.ts) that both engines use for a model without a chat template.
//
// Lifecycle (Engine): configure() with the settings, whenReady() waits (bounded) for a session, state changes go
// to the callback given at construction. Work (ModelSession): complete() for inline completion, chat() for chat and
// explanations, generateJson() for output that must parse (review). Every call takes an AbortSignal and settles
// promptly when it fires, with `aborted: true` and the text generated until then.
import type {CancellationToken} from "vscode-languageserver";
import type {EngineKind, ServerSettings, ServerState, SystemInfo} from "../../protocol/lsp";
import type {ModelIdentity, ResolvedPromptStyle} from "./modelFamily";

export {
    CODE_ONLY_SPECIAL_TOKENS, GEMMA_TURNS, identityFromMetadata, PROMPT_FAMILIES, resolvePromptStyle, SPECIAL_TOKENS
} from "./modelFamily";
export type {FimTokens, ModelIdentity, PromptFamily, ResolvedPromptStyle} from "./modelFamily";
// The plain-text layout of chat, explain and review for a model without a chat template, on both engines.
export {TRANSCRIPT_EXAMPLES, TRANSCRIPT_PREAMBLE, TRANSCRIPT_STOPS, transcriptExample, type TranscriptExample, transcriptPrompt, transcriptStops,
    visibleDeltas, visibleReply} from "./transcript";

/** Context from elsewhere (another file, a definition) put into a prompt. */
export interface Snippet {
    /** Where it comes from, e.g. a relative path, shown to the model. */
    label: string;
    text: string;
}

export interface PromptPart {
    text: string;
    /** Template text whose control-token strings are parsed as tokens; false for the user's code. */
    special: boolean;
}

/** A completion prompt, as completion/prompt.ts builds it and both engines send it. */
export interface BuiltPrompt {
    parts: PromptPart[];
    /** The parts joined, for logs and tests. */
    text: string;
    /** Strings that end the completion when the model writes them (the postprocessor cuts them too). */
    stops: string[];
    prefixLines: number;
    suffixLines: number;
    snippetsUsed: number;
    /** The windows of code before and after the cursor and the snippets that fit, as put into the prompt (an
     *  inference server's own fill-in-the-middle endpoint, llama-server's /infill, takes them apart). */
    prefixText: string;
    suffixText: string;
    snippets: Snippet[];
    /** Blanks at the cursor that the prompt ends before (prompt.ts, blanksAfterText): the model writes them again,
     *  and they are dropped from the start of its text, which then starts at the cursor. */
    leftOut?: string;
}

/** What one generation did: the text and the numbers the status bar, metrics and logs show. */
export interface GenerationResult {
    text: string;
    promptTokens: number;
    /** Prompt tokens whose KV cache was reused from an earlier request. */
    reusedTokens: number;
    generatedTokens: number;
    aborted: boolean;
    /** Tokens that came out after the abort signal fired (the abort latency, in tokens). */
    tokensAfterAbort: number;
    /** Request start → first token (prompt evaluation, plus the network for a remote engine). */
    prefillMs: number;
    generateMs: number;
    /** Local engine: the prompt's text → tokens, and prefill end → first generated token, ms (bench:engine's phases). */
    tokenizeMs?: number;
    firstTokenMs?: number;
    /** Remote engine: why the server stopped ("stop", "length"…), when it said. */
    finishReason?: string;
    /** Local engine with a draft model: draft tokens accepted, rejected, and accepted ones that became output. */
    draft?: {validated: number; refuted: number; used: number};
    /** Local engine: the CPU threads llama.cpp computed the last batch with (the load-aware policy may change it). */
    threads?: number;
}

export interface GenerationOptions {
    maxTokens: number;
    signal: AbortSignal;
}

export interface CompletionRequest extends GenerationOptions {
    prompt: BuiltPrompt;
    style: ResolvedPromptStyle;
    /** Stop at the first line break after some non-blank text (see shouldStop). */
    singleLine: boolean;
    /** Receives the whole text generated so far, after each token. */
    onText?: (text: string) => void;
    /** The shared host's turn-taking between windows (see GenerateOptions.between); the local engine only. */
    between?: () => Promise<boolean>;
}

/** A chat turn. Engines fold "system" into the first user turn for models without a system role (Gemma). */
export interface ChatTurn {
    role: "system" | "user" | "assistant";
    content: string;
}

/** Options of a reply in prose (chat, explain, review comments). */
export interface ProseOptions extends GenerationOptions {
    /**
     * The language the prose is to be in (a tag, as tasks/language.ts resolves it; none = English). The task's
     * prompt already asks for it; an engine that lays out the prompt itself uses it too: the local engine's plain
     * transcript for a base model shows its worked example in this language (transcript.ts), on either engine.
     */
    language?: string;
}

export interface ChatOptions extends ProseOptions {
    /** Receives text to append, as it is generated; never splits a character. */
    onDelta?: (text: string) => void;
}

/** A ready model. Cheap to hold; a new one comes from whenReady() after the settings change. */
export interface ModelSession {
    /** Shown to the user, e.g. "gemma-2-9b-it". */
    readonly name: string;
    /** Tokens one request may use (prompt + answer). */
    readonly contextSize: number;
    /** What the model is, to choose the completion prompt style. */
    readonly identity: ModelIdentity;
    /** Tokens in `text` (exact for the local engine; a calibrated estimate for a remote one). */
    countTokens(text: string): number;
    /** Inline completion: the prompt built by completion/prompt.ts for `style`. */
    complete(request: CompletionRequest): Promise<GenerationResult>;
    /**
     * Up to `count` more raw suggestions for the request complete() has just answered, from the KV cache it left
     * (local/branches.ts). Absent where that costs a new prompt evaluation (the remote engine).
     */
    alternatives?(request: CompletionRequest, count: number): Promise<string[]>;
    /** A streamed reply to a conversation (chat, explain). */
    chat(history: ChatTurn[], options: ChatOptions): Promise<GenerationResult>;
    /**
     * A reply that is JSON for `schema`: constrained by a grammar where the engine can (node-llama-cpp, llama-server
     * json_schema, `response_format` json_schema on vLLM and others), validated and retried otherwise. Output cut
     * off by maxTokens is a valid JSON prefix at best: callers repair it (review/reviewSchema.ts).
     */
    generateJson(history: ChatTurn[], schema: object, options: ProseOptions): Promise<GenerationResult>;
}

/** Called before a session is given up (reload, engine switch, shutdown): stop every generation and wait. */
export type BeforeUnload = () => Promise<void>;

export interface Engine {
    readonly kind: EngineKind;
    readonly currentState: ServerState;
    /** Applies settings; reloads / reconnects when the ones that matter changed. Never throws. */
    configure(settings: ServerSettings): void;
    /** Waits for a session, at most timeoutMs; fails with ModelNotReady and the reason if it cannot be had. */
    whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession>;
    onBeforeUnload(hook: BeforeUnload): void;
    /** Tells whether requests are running (the local engine must not unload under them). */
    isBusy: () => boolean;
    /** Backend and free memory of this machine (for the model download offer). */
    systemInfo(settings: ServerSettings): Promise<SystemInfo>;
    dispose(): Promise<void>;
}

/** The stop rules shared by both engines: stop strings, and one line for single-line completions. */
export function shouldStop(text: string, stops: string[] | undefined, singleLine: boolean | undefined) {
    if (stops?.some((s) => text.includes(s))) return true;
    if (singleLine) {
        const firstBreak = text.indexOf("\n");
        if (firstBreak >= 0 && text.slice(0, firstBreak).trim().length > 0) return true;
        // A completion that starts with a line break may fill the next line, but not a second one.
        if (firstBreak >= 0 && text.indexOf("\n", firstBreak + 1) > firstBreak) return true;
    }
    return false;
}

export function emptyResult(): GenerationResult {
    return {text: "", promptTokens: 0, reusedTokens: 0, generatedTokens: 0, aborted: false, tokensAfterAbort: 0, prefillMs: 0, generateMs: 0};
}
