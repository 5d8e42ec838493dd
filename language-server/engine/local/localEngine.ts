// The local engine: the model runs in this process with node-llama-cpp. ModelHost owns the model's lifecycle
// (load, reload, idle unload); generator.ts runs generations on the KV-cached sequences. This file only adapts them
// to the engine interface.
import type {ChatHistoryItem, LlamaGrammar, Token} from "node-llama-cpp";
import type {CancellationToken} from "vscode-languageserver";
import type {ServerSettings, ServerState, SystemInfo} from "../../../protocol/lsp";
import {branchCandidates} from "./branches";
import {generate, TokenDrafter} from "./generator";
import {PromptLookupDrafter, usePromptLookup} from "./promptLookup";
import {PartTokenCache} from "./partTokens";
import {identityFromMetadata, ModelIdentity} from "../modelFamily";
import type {Logger} from "../../log";
import {LoadedModel, ModelHost} from "./modelHost";
import {generateReply} from "./chatGeneration";
import type {BeforeUnload, ChatOptions, ChatTurn, CompletionRequest, Engine, GenerationResult, ModelSession, ProseOptions} from "../engine";

export class LocalEngine implements Engine {
    readonly kind = "local" as const;
    readonly host: ModelHost;
    private readonly sessions = new WeakMap<LoadedModel, LocalSession>();
    /** The last settings configured (read by each session, and by the shared host's per-window sessions). */
    settings: ServerSettings | undefined;

    constructor(log: Logger, onState: (state: ServerState) => void) {
        this.host = new ModelHost(log, onState);
    }

    get currentState() {
        return this.host.currentState;
    }

    get isBusy() {
        return this.host.isBusy;
    }
    set isBusy(f: () => boolean) {
        this.host.isBusy = f;
    }

    configure(settings: ServerSettings) {
        this.settings = settings;
        this.host.configure(settings);
    }

    async whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession> {
        const loaded = await this.host.whenReady(timeoutMs, token);
        let session = this.sessions.get(loaded);
        if (!session) this.sessions.set(loaded, session = new LocalSession(loaded, () => this.settings));
        return session;
    }

    onBeforeUnload(hook: BeforeUnload) {
        this.host.onBeforeUnload(() => hook());
    }

    systemInfo(settings: ServerSettings): Promise<SystemInfo> {
        return this.host.systemInfo(settings);
    }

    dispose() {
        return this.host.dispose();
    }
}

export class LocalSession implements ModelSession {
    readonly identity: ModelIdentity;
    private readonly promptLookup = new PromptLookupDrafter();
    /** The prompt parts that did not change since the last request are not tokenized again (partTokens.ts). */
    private readonly partTokens = new PartTokenCache((text, special) => this.loaded.model.tokenize(text, special));

    /** completionSequence: the shared host gives each window its own (host/sequencePool.ts). */
    constructor(private readonly loaded: LoadedModel, private readonly settings: () => ServerSettings | undefined,
                private readonly completionSequence = loaded.completionSequence) {
        this.identity = identityFromMetadata(loaded.model.fileInfo.metadata);
    }

    get name() {
        return this.loaded.modelName;
    }

    get contextSize() {
        return this.loaded.taskSequence.contextSize;
    }

    countTokens(text: string) {
        return this.loaded.model.tokenize(text, false).length;
    }

    async complete(request: CompletionRequest): Promise<GenerationResult> {
        const started = performance.now();
        const tokens = this.promptTokens(request);
        const tokenizeMs = performance.now() - started;
        const done = this.loaded.threads?.busy();
        try {
            const result = await generate(this.completionSequence, tokens, {
                maxTokens: request.maxTokens, signal: request.signal, stops: request.prompt.stops, singleLine: request.singleLine,
                onText: request.onText, drafter: this.drafter(), between: request.between
            });
            const threads = this.completionSequence.context.currentThreads;
            // Decode time per token after the first (the first pays for the prompt), for the thread tuner.
            const decoded = result.generatedTokens - 1;
            done?.(!result.aborted && decoded >= 3 ? {msPerToken: (result.generateMs - (result.firstTokenMs ?? 0)) / decoded} : undefined);
            return {...result, tokenizeMs, threads};
        } finally {
            done?.();
        }
    }

    alternatives(request: CompletionRequest, count: number): Promise<string[]> {
        return this.whileBusy(() => branchCandidates(this.completionSequence, this.promptTokens(request), {
            count, maxTokens: request.maxTokens, signal: request.signal, stops: request.prompt.stops, singleLine: request.singleLine,
            between: request.between
        }));
    }

    /** Brackets work on the model, so that the thread governor measures the load while it runs. */
    private async whileBusy<T>(work: () => Promise<T>): Promise<T> {
        const done = this.loaded.threads?.busy();
        try {
            return await work();
        } finally {
            done?.();
        }
    }

    private promptTokens(request: CompletionRequest): Token[] {
        const model = this.loaded.model;
        const bos = model.tokens.bos;
        const tokens: Token[] = bos != null ? [bos] : [];
        // Template parts are tokenized with control tokens parsed; the user's code never is.
        for (const part of request.prompt.parts) tokens.push(...this.partTokens.tokens(part.text, part.special));
        return tokens;
    }

    /** A draft model when one is loaded, else prompt lookup where it is on (a setting, or measured to pay). */
    private drafter(): TokenDrafter | undefined {
        if (this.loaded.draft) return this.loaded.draft.drafter;
        const setting = this.settings()?.completion.promptLookup ?? "auto";
        return usePromptLookup(setting, this.loaded.llama.gpu === false ? "cpu" : "gpu") ? this.promptLookup : undefined;
    }

    chat(history: ChatTurn[], options: ChatOptions): Promise<GenerationResult> {
        return this.whileBusy(() => generateReply(this.loaded, toChatHistory(history), options));
    }

    async generateJson(history: ChatTurn[], schema: object, options: ProseOptions): Promise<GenerationResult> {
        // A grammar from the schema: the model cannot write anything else, so the output always parses (or is a
        // valid prefix when cut by maxTokens).
        const grammar = await this.loaded.llama.createGrammarForJsonSchema(schema as never) as LlamaGrammar;
        return this.whileBusy(() => generateReply(this.loaded, toChatHistory(history), {...options, grammar}));
    }
}

/** Our chat turns → node-llama-cpp's history (its chat wrapper renders them with the model's own template). */
export function toChatHistory(history: ChatTurn[]): ChatHistoryItem[] {
    return history.map((t): ChatHistoryItem => t.role === "system" ? {type: "system", text: t.content}
        : t.role === "user" ? {type: "user", text: t.content} : {type: "model", response: [t.content]});
}
