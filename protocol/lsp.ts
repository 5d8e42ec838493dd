// The one place that defines Gemma Code's custom LSP methods, their parameters and results, and the settings
// the client sends the server. Imported by the extension (src/), the language server (language-server/), the
// CLI and the tests, so a change here is a compile error on both sides instead of a silent mismatch.
import {NotificationType, ProtocolRequestType, RequestType, RequestType0} from "vscode-languageserver-protocol";
import type {Diagnostic, Position, Range, TextDocumentIdentifier} from "vscode-languageserver-protocol";

/** Which llama.cpp backend to load. "auto" lets node-llama-cpp pick the best available GPU, else the CPU. */
export type GpuSetting = "auto" | "cuda" | "vulkan" | "metal" | "cpu";
export type Backend = "cpu" | "cuda" | "vulkan" | "metal";

/**
 * Where inference runs: "local" loads the GGUF model in the language server's process (node-llama-cpp);
 * "remote" sends every request to an OpenAI-compatible inference server (llama.cpp's llama-server, vLLM, Ollama).
 */
export type EngineKind = "local" | "remote";

/** The remote engine's settings (used when engine is "remote"). */
export interface RemoteSettings {
    /** Base URL of the server, e.g. `http://gpu-box:8080` (a trailing `/v1` is accepted). Empty: none configured. */
    endpoint: string;
    /** Model name sent with each request; empty = the first model the server lists. */
    model: string;
    /**
     * Sent as `Authorization: Bearer …`. Stored in VS Code's SecretStorage by the extension, passed to the server in
     * initializationOptions/didChangeConfiguration, and never logged.
     */
    apiKey: string;
    /** Verify the server's TLS certificate (https endpoints). */
    tlsVerify: boolean;
    /** Longest wait for the server's first byte, and for the next byte of a streaming answer, in ms. */
    timeoutMs: number;
}

/**
 * How completion prompts are built. "auto" decides from the model's GGUF metadata (see
 * language-server/completion/modelFamily.ts); the others force a style for models we do not recognise.
 */
export type PromptStyle = "auto" | "gemma-chat" | "continuation" | "fim-codegemma" | "fim-qwen" | "fim-starcoder"
    | "fim-deepseek" | "fim-codestral";

/** Everything the server needs to know from the editor's settings. Sent in initializationOptions and on change. */
export interface ServerSettings {
    engine: EngineKind;
    remote: RemoteSettings;
    /** Absolute path of a GGUF model file; empty when none is configured. */
    modelPath: string;
    gpu: GpuSetting;
    /** Context size in tokens; 0 = choose from the model and free memory. */
    contextSize: number;
    /** CPU threads for inference; 0 = the number of cores this machine really has. */
    threads: number;
    completion: {
        enabled: boolean;
        maxTokens: number;
        /** Token budget of a completion prompt (context snippets + suffix + prefix). */
        promptTokens: number;
        promptStyle: PromptStyle;
        /**
         * Speculative decoding (local engine): a small GGUF model with the main model's vocabulary, e.g. Gemma 2 2B
         * for Gemma 2 9B, drafts tokens that the main model checks in one batch. "" = off.
         */
        draftModelPath: string;
        /** Most tokens one draft may have. Not a user setting (benchmarks and tests tune it), nor is the next. */
        draftMaxTokens: number;
        /** A draft ends before a token whose probability is below this (0 = never). */
        draftMinConfidence: number;
        /**
         * Prompt-lookup decoding (local engine, without a draft model): drafts copied from the prompt where its last
         * tokens repeat, checked in one batch. "auto" = where it was measured to pay (completion/promptLookup.ts).
         */
        promptLookup: PromptLookupSetting;
        /** Inline suggestions per spot (1-5); the 2nd and later are generated after the first is answered. */
        candidates: number;
    };
    chat: {
        /** Longest reply to a chat message or an explanation, in tokens. */
        maxTokens: number;
    };
    review: {
        /** Longest stretch of lines one review covers; the result's note says what was left out. */
        maxLines: number;
    };
    /** How long a request waits for the model to finish loading before it fails with ModelNotReady. */
    readyTimeoutMs: number;
    /** Unload the model after this many idle minutes (0 = never); it reloads on the next request. */
    unloadAfterMinutes: number;
    /**
     * The language of chat answers, explanations and review messages: a BCP 47 tag ("hi", "bn", "zh-cn"); "" =
     * English. VS Code's client sends its display language for gemmaCode.responseLanguage "auto". A chat question
     * written in another script is answered in that language. Code and identifiers are never translated.
     */
    responseLanguage: string;
}

export type PromptLookupSetting = "auto" | "on" | "off";

export const defaultServerSettings: ServerSettings = {
    engine: "local",
    remote: {endpoint: "", model: "", apiKey: "", tlsVerify: true, timeoutMs: 30_000},
    modelPath: "",
    gpu: "auto",
    contextSize: 0,
    threads: 0,
    completion: {enabled: true, maxTokens: 64, promptTokens: 1536, promptStyle: "auto", draftModelPath: "", draftMaxTokens: 16,
        draftMinConfidence: 0.6, promptLookup: "auto", candidates: 3},
    chat: {maxTokens: 1024},
    review: {maxLines: 3000},
    readyTimeoutMs: 120_000,
    unloadAfterMinutes: 0,
    responseLanguage: ""
};

/** initializationOptions of the `initialize` request. */
export interface InitializationOptions {
    settings?: Partial<ServerSettings>;
    /** Some clients nest settings under the section name, as workspace/didChangeConfiguration does. */
    gemmaCode?: Partial<ServerSettings>;
    /** Convenience for non-VS Code clients: the same as settings.modelPath. */
    modelPath?: string;
}

export type ModelStatus = "noModel" | "loading" | "ready" | "error" | "unloaded";

/** The server's model state, pushed whenever it changes (and once after `initialized`). */
export interface ServerState {
    status: ModelStatus;
    /** The server's process id (lets tests and tools find it). */
    pid?: number;
    /** One sentence for the user: what is happening, or what is wrong and what to do. */
    message: string;
    modelPath?: string;
    modelName?: string;
    backend?: Backend;
    /** The device names llama.cpp reported, e.g. "NVIDIA H100 80GB HBM3". */
    devices?: string[];
    gpuLayers?: number;
    contextSize?: number;
    /** Bytes of VRAM and RAM the model and its context take. */
    vramBytes?: number;
    ramBytes?: number;
    /** Milliseconds from the start of loading to ready. */
    loadMs?: number;
    /** Which engine serves requests ("local" when absent). */
    engine?: EngineKind;
    /** Remote engine: the server's origin (never with credentials) and what kind of server it is. */
    endpoint?: string;
    serverKind?: "llama-server" | "openai-compatible";
    /** Speculative decoding: present when completion.draftModelPath is set and the main model is loaded. */
    draft?: DraftState;
}

export interface DraftState {
    /** "ready": completions use it; "error": it could not be used (message says why) and completions run without. */
    status: "ready" | "error";
    modelPath: string;
    message: string;
    modelName?: string;
    gpuLayers?: number;
    contextSize?: number;
}
export const ServerStateNotification = new NotificationType<ServerState>("gemma/serverState");

/** Asks the server for its current state (useful right after connecting). */
export const GetServerStateRequest = new RequestType0<ServerState, void>("gemma/getServerState");

/** What the machine offers, to recommend a model size before one is downloaded. */
export interface SystemInfo {
    /** The backend llama.cpp would use with the current gpu setting. */
    backend: Backend;
    gpuNames: string[];
    vramTotalBytes: number;
    vramFreeBytes: number;
    ramTotalBytes: number;
    ramFreeBytes: number;
    cpuCores: number;
    /** GPU backends this machine's drivers support (node-llama-cpp's getLlamaGpuTypes("supported")), installed or not. */
    gpuTypesSupported?: Backend[];
}
export const GetSystemInfoRequest = new RequestType0<SystemInfo, void>("gemma/systemInfo");

/** Timing of one inline completion, so the status bar can show visible speed. */
export interface CompletionStats {
    uri: string;
    /** Request received → answer sent, in ms. */
    latencyMs: number;
    promptTokens: number;
    /** Prompt tokens whose KV cache was reused from the previous request. */
    reusedTokens: number;
    generatedTokens: number;
    /** Generated tokens per second (0 when nothing was generated). */
    tokensPerSecond: number;
    /** "model": new inference; "cache": answered from the suggestion cache or a typed-ahead suggestion. */
    source: "model" | "cache";
}
export const CompletionStatsNotification = new NotificationType<CompletionStats>("gemma/completionStats");

/**
 * Server → client: snippets of the definitions of symbols near a position, found with the editor's own
 * definition providers (TypeScript, Pylance, rust-analyzer …). Optional: clients that do not implement it answer
 * MethodNotFound and completion goes on without them.
 */
export interface DefinitionSnippetsParams {
    textDocument: TextDocumentIdentifier;
    position: Position;
}
export const DefinitionSnippetsRequest = new RequestType<DefinitionSnippetsParams, {label: string; text: string}[], void>("gemma/definitionSnippets");

/** Counters of the completion pipeline since the server started (for the benchmark and tests). */
export interface CompletionMetrics {
    requests: number;
    /** Requests answered by running the model. */
    modelRuns: number;
    /** Requests answered from the suggestion cache (exact spot) or by typed-ahead reuse. */
    cacheHits: number;
    typedAheadHits: number;
    /** Requests answered by waiting for the still-running request whose suggestion the user is typing. */
    joinedInFlight: number;
    /** Requests aborted because a newer one arrived, and by $/cancelRequest. */
    superseded: number;
    cancelled: number;
    /** Tokens generated after the request's abort signal had fired (abort latency, ideally 0-1 per abort). */
    tokensAfterAbort: number;
    /** Tokens generated by requests whose answer nobody received (superseded or cancelled). */
    tokensForDiscarded: number;
    promptTokens: number;
    reusedTokens: number;
    generatedTokens: number;
    /** Generations running right now (0 or 1). */
    running: number;
    /** Most generations that ever ran at the same time. */
    maxRunning: number;
    /**
     * Speculative decoding (completion.draftModelPath): draft tokens the main model checked and accepted, checked and
     * rejected, and accepted tokens that became output. Acceptance rate = validated / (validated + refuted).
     */
    draftValidated: number;
    draftRefuted: number;
    draftUsed: number;
    /** Several candidates: background runs started, aborted by a newer request, and extra candidates they found. */
    candidateRuns: number;
    candidateRunsAborted: number;
    extraCandidates: number;
}
export const GetCompletionMetricsRequest = new RequestType0<CompletionMetrics, void>("gemma/completionMetrics");

/** One completion request as the model saw it, for benchmarks that replay it on the bare engine. */
export interface CompletionTrace {
    /** The prompt as text parts; `special` parts are tokenized with control tokens parsed. */
    prompt: {text: string; special: boolean}[];
    promptTokens: number;
    reusedTokens: number;
    generatedTokens: number;
    /** Server-side time from request to answer, ms. */
    latencyMs: number;
    /** Of which node-llama-cpp worked (prefill + generation), ms. */
    engineMs: number;
    /** Of which the prompt (up to the first token), ms. */
    prefillMs?: number;
    /** Draft tokens accepted / rejected / used (draft model or prompt lookup). */
    draft?: {validated: number; refuted: number; used: number};
    aborted: boolean;
    /** What the model wrote, before postprocessing (the quality benchmark scores it with postprocessing off). */
    rawText: string;
}
/** The most recent traces (at most 256), oldest first; empty unless the server runs with GEMMA_CODE_TRACE=1. */
export const GetCompletionTracesRequest = new RequestType0<CompletionTrace[], void>("gemma/completionTraces");

/** Error codes of custom failures (JSON-RPC server-defined range). */
export const ErrorCodes = {
    /** No model configured, or it failed to load; the message says why. */
    ModelNotReady: -32001,
    /** The document is unknown to the server (never opened). */
    UnknownDocument: -32002,
    /** The request's input is invalid (e.g. a position outside the document). */
    InvalidInput: -32003,
    /**
     * The inference engine failed while answering: the remote server is down, returned an HTTP error, stalled or
     * sent a malformed stream. The message says which, in one sentence; the next request may succeed.
     */
    EngineFailed: -32004
} as const;

// ---- Review (issue: code review and explanations) ----

export type ReviewSeverity = "error" | "warning" | "information" | "hint";
export interface ReviewComment {
    range: Range;
    severity: ReviewSeverity;
    message: string;
    suggestion?: {newText: string};
}
export interface ReviewParams {
    textDocument: TextDocumentIdentifier;
    /** Only these lines; the review replaces only the document's comments inside them. */
    range?: Range;
    /** Review this version of the document (e.g. the staged one) instead of its current text; `range` counts its lines. */
    text?: string;
}
export interface ReviewResult {
    comments: ReviewComment[];
    /** The document version the comments refer to. */
    version?: number;
    /** Set when only part was reviewed (e.g. a very long file) or there was nothing to review. */
    note?: string;
    /** Comments left out because their lines were not in the reviewed code (the note says so too). */
    dropped?: number;
}
export const ReviewRequest = new RequestType<ReviewParams, ReviewResult, void>("gemma/review");

export interface ExplainParams {
    textDocument: TextDocumentIdentifier;
    range: Range;
    diagnostic?: Diagnostic;
    partialResultToken?: string | number;
}
/** Streams a markdown explanation and a proposed fix; partial results are strings to append, as for chat. */
export const ExplainRequest = new ProtocolRequestType<ExplainParams, string, string, void, void>("gemma/explain");

// ---- Chat ----

export interface ChatMessage {
    role: "user" | "assistant";
    content: string;
    /** A reply the user stopped: the chat view shows "Stopped." after it, also when reopened from History. */
    stopped?: boolean;
}
export interface ChatParams {
    messages: ChatMessage[];
    /** Text attached from the editor (files, selections), trimmed to the context budget by the server. */
    context?: {label: string; text: string}[];
    partialResultToken?: string | number;
}
export interface ChatResult {
    content: string;
    /** Labels of attached context the server had to leave out to fit the budget. */
    omitted?: string[];
}
/**
 * Streams the reply: each `$/progress` value for `partialResultToken` is a string to append to the text so far;
 * the final result holds the whole reply. Cancelling ($/cancelRequest) stops generation and resolves with the
 * text generated until then (error RequestCancelled only when nothing was generated).
 */
export const ChatRequest = new ProtocolRequestType<ChatParams, ChatResult, string, void, void>("gemma/chat");

export type {Diagnostic, Position, Range};

/**
 * Environment variable of the server process: a folder holding node_modules/@node-llama-cpp/<backend> packages
 * fetched on demand (the CUDA and Vulkan builds are not in the .vsix). The extension sets it to its global storage.
 */
export const BACKENDS_DIR_ENV = "GEMMA_CODE_BACKENDS_DIR";

// ---- Client capabilities and commands (issue 19: "any LSP editor") ----

/**
 * The key of `capabilities.experimental` under which a client says what it implements beyond LSP. A client that
 * lists a client-side command there gets code actions that run it; other clients get the server's own commands.
 */
export const EXPERIMENTAL_CAPABILITY = "gemmaCode";
export interface GemmaClientCapabilities {
    /** Command ids the client executes itself (e.g. ClientCommands.explain). */
    clientCommands?: string[];
}
/** Commands the VS Code extension runs on the client side. */
export const ClientCommands = {
    /** Opens the chat panel and streams gemma/explain into it. Arguments: {uri, range, diagnostic?}. */
    explain: "gemmaCode.explain"
} as const;
/** Commands the server executes itself (workspace/executeCommand), for any client. */
export const ServerCommands = {
    /** Removes one review comment. Arguments: uri, comment id. */
    dismissReviewComment: "gemma.dismissReviewComment",
    /**
     * Explains a range (and its diagnostic) without a client-side UI: the markdown is the command's result and is
     * also shown with window/showMessage. Arguments: {uri, range, diagnostic?}.
     */
    explain: "gemma.explain"
} as const;

// ---- Edit with an instruction, commit messages ----

/** Error code of gemma/edit when the document changed inside the range while the model was writing. */
export const EditConflict = -32010;

export interface EditParams {
    /** `version`, when given, is the version the range refers to: another one is refused with EditConflict. */
    textDocument: TextDocumentIdentifier & {version?: number};
    range: Range;
    /** What to do with the code in the range, in the user's words ("add error handling"). */
    instruction: string;
    partialResultToken?: string | number;
}
export interface EditResult {
    /** The new text of the range. */
    text: string;
    /** Where it goes, in `version` of the document (re-based when the document changed outside the range). */
    range: Range;
    version: number;
}
/**
 * Rewrites the range following the instruction. Each `$/progress` value for `partialResultToken` is text to append to
 * the new text so far. Fails with EditConflict when the range itself was edited meanwhile.
 */
export const EditRequest = new ProtocolRequestType<EditParams, EditResult, string, void, void>("gemma/edit");

export interface CommitMessageParams {
    /** file: URI of a folder in the git repository whose staged changes are described. */
    rootUri: string;
    partialResultToken?: string | number;
}
export interface CommitMessageResult {
    message: string;
    /** Whether the repository's recent history uses Conventional Commits, and so the message does. */
    conventional: boolean;
}
/** Writes a commit message for the staged diff; partial results are text to append, as for chat. */
export const CommitMessageRequest = new ProtocolRequestType<CommitMessageParams, CommitMessageResult, string, void, void>("gemma/commitMessage");
