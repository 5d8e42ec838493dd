// Settings the client sends the server (initializationOptions, workspace/didChangeConfiguration) and their defaults.
// Part of the protocol: import it from "protocol/lsp", which re-exports every protocol module.

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
         * tokens repeat, checked in one batch. "auto" = where it was measured to pay (language-server/engine/local/promptLookup.ts).
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
    unloadAfterMinutes: 0
};

/** initializationOptions of the `initialize` request. */
export interface InitializationOptions {
    settings?: Partial<ServerSettings>;
    /** Some clients nest settings under the section name, as workspace/didChangeConfiguration does. */
    gemmaCode?: Partial<ServerSettings>;
    /** Convenience for non-VS Code clients: the same as settings.modelPath. */
    modelPath?: string;
}

/**
 * Environment variable of the server process: a folder holding node_modules/@node-llama-cpp/<backend> packages
 * fetched on demand (the CUDA and Vulkan builds are not in the .vsix). The extension sets it to its global storage.
 */
export const BACKENDS_DIR_ENV = "GEMMA_CODE_BACKENDS_DIR";
