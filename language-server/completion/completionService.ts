// Answers textDocument/inlineCompletion. The rules that make it fast and never junk:
// - debounce: a request of an automatic trigger first waits for the user to pause (debounce.ts, adapted to the typing
//   speed); a newer request or $/cancelRequest ends the wait, and the request is answered empty, never counted;
// - latest wins: a new request aborts the one in flight (its prefill included) and waits for it to settle, so
//   at most one generation runs and no queue builds up;
// - typed-ahead: if the user types the start of the suggestion on screen, or of the one still streaming, that
//   suggestion is reused without new inference;
// - every answer goes through the postprocessor, and special tokens are stopped at the token level.
import {CancellationToken, InlineCompletionItem, InlineCompletionList, InlineCompletionParams, ResponseError} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import {CompletionMetrics, CompletionStats, CompletionTrace, ErrorCodes, ServerSettings} from "../../protocol/lsp";
import * as l10n from "../l10n";
import type {Logger} from "../log";
import {resolvePromptStyle} from "../engine/engine";
import type {CompletionRequest, Engine, GenerationResult, ModelSession} from "../engine/engine";
import {withoutControlCharacters} from "./controlChars";
import {AdaptiveDebounce} from "./debounce";
import {decideMultiline, postprocessCompletion} from "./postprocess";
import {buildCompletionPrompt, Snippet, textAtCursor} from "./prompt";
import {MoreCandidates} from "./moreCandidates";
import {CursorText, SuggestionCache, typedAheadRest} from "./suggestionCache";
import {ChunkedTokenCounter} from "./tokenCount";

interface InFlight {
    at: CursorText;
    controller: AbortController;
    /** Text generated so far (before postprocessing). */
    partial: string;
    /** The postprocessed suggestion, or undefined when none. */
    done: Promise<string | undefined>;
    superseded: boolean;
}

export interface CompletionDeps {
    engine: Engine;
    log: Logger;
    settings: () => ServerSettings;
    snippetsFor: (doc: TextDocument, position: {line: number; character: number}) => Promise<Snippet[]>;
    onStats: (stats: CompletionStats) => void;
}

export class CompletionService {
    private inFlight: InFlight | undefined;
    private newestRequest = 0;
    /** Kept only for benchmarks (GEMMA_CODE_TRACE=1): prompts cost memory. */
    readonly traces: CompletionTrace[] = [];
    private readonly tracing = process.env.GEMMA_CODE_TRACE === "1";
    private readonly cache = new SuggestionCache();
    /** Remembered token counts per model session (a new model tokenizes differently). */
    private readonly counters = new WeakMap<ModelSession, ChunkedTokenCounter>();
    readonly metrics: CompletionMetrics = {
        requests: 0, modelRuns: 0, cacheHits: 0, typedAheadHits: 0, joinedInFlight: 0, superseded: 0, cancelled: 0,
        tokensAfterAbort: 0, tokensForDiscarded: 0, promptTokens: 0, reusedTokens: 0, generatedTokens: 0, running: 0, maxRunning: 0,
        draftValidated: 0, draftRefuted: 0, draftUsed: 0, candidateRuns: 0, candidateRunsAborted: 0, extraCandidates: 0
    };
    /** The 2nd, 3rd… candidates, generated after the first is answered (moreCandidates.ts). */
    readonly more = new MoreCandidates(this.metrics);
    private readonly debounce: AdaptiveDebounce;
    /** Counts arriving requests; a waiting request that is no longer the latest gives up. */
    private arrivals = 0;
    /** Ends the wait of the request that is debouncing, if any. */
    private endWait: (() => void) | undefined;

    constructor(private readonly deps: CompletionDeps) {
        // A model about to be released must have no generation running on its sequences.
        deps.engine.onBeforeUnload(() => this.abortInFlight());
        this.debounce = new AdaptiveDebounce(() => deps.settings().completion.debounceMs);
    }

    async provide(doc: TextDocument, params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList> {
        if (!await this.waitForPause(params, token)) return {items: []};
        const started = performance.now();
        this.metrics.requests++;
        const settings = this.deps.settings();
        if (!settings.completion.enabled) return {items: []};
        const offset = validatedOffset(doc, params.position);
        const text = doc.getText();
        // With the suggestion list open, complete after the item it has selected, as if it were inserted.
        const selected = selectedItem(doc, params, offset);
        const at: CursorText = selected
            ? {uri: doc.uri, prefix: text.slice(0, selected.startOffset) + selected.text, suffix: text.slice(offset)}
            : {uri: doc.uri, prefix: text.slice(0, offset), suffix: text.slice(offset)};
        const ctx = {prefix: at.prefix, suffix: at.suffix, languageId: doc.languageId};

        // Cycling (an explicit request: VS Code's Show Next) waits for the other candidates of this spot.
        const several = await this.more.lookup(at, params.context?.triggerKind === 1);
        if (several) {
            this.metrics.cacheHits++;
            if (several.typedAhead) this.metrics.typedAheadHits++;
            return this.answer(doc, params, several.completions, started, undefined);
        }

        const cached = this.cache.lookup(at);
        if (cached) {
            this.metrics.cacheHits++;
            if (cached.typedAhead) this.metrics.typedAheadHits++;
            return this.answer(doc, params, cached.completion, started, undefined);
        }

        // The user is typing the suggestion that is still being generated: wait for it instead of starting over.
        const running = this.inFlight;
        if (running && !running.superseded) {
            const rest = typedAheadRest({...cursorKey(running.at), completion: running.partial + "\uffff"}, at);
            if (rest !== undefined) {
                this.metrics.joinedInFlight++;
                const full = await running.done;
                const reused = full ? typedAheadRest({...cursorKey(running.at), completion: full}, at) : undefined;
                if (reused) return this.answer(doc, params, reused, started, undefined);
            }
        }

        // Latest wins: only the newest request may run; older ones that are still waiting give up.
        const id = ++this.newestRequest;
        const superseded = () => id !== this.newestRequest;
        await this.abortInFlight();
        if (token.isCancellationRequested) return this.cancelled();
        if (superseded()) return this.dropSuperseded();

        const session = await this.deps.engine.whenReady(settings.readyTimeoutMs, token);
        if (token.isCancellationRequested) return this.cancelled();
        // Check and claim the sequence with no await in between, so two requests can never both run.
        while (this.inFlight) await this.abortInFlight();
        if (superseded()) return this.dropSuperseded();

        const waited = performance.now();
        const controller = new AbortController();
        const cancelListener = token.onCancellationRequested(() => controller.abort());
        let resolveDone!: (v: string | undefined) => void;
        const flight: InFlight = {at, controller, partial: "", superseded: false,
            done: new Promise((r) => (resolveDone = r))};
        this.inFlight = flight;
        this.metrics.running++;
        this.metrics.maxRunning = Math.max(this.metrics.maxRunning, this.metrics.running);
        let result: GenerationResult | undefined;
        let completion: string | undefined;
        let promptParts: {text: string; special: boolean}[] = [];
        let asked: CompletionRequest | undefined;
        const marks = {context: 0, prompt: 0, model: 0, postprocess: 0};
        try {
            const multiline = decideMultiline(ctx);
            const snippets = await this.deps.snippetsFor(doc, params.position);
            marks.context = performance.now();
            const {prompt, style} = this.buildPrompt(session, doc, at, settings, snippets);
            marks.prompt = performance.now();
            promptParts = prompt.parts;
            this.metrics.modelRuns++;
            result = await session.complete(asked = {
                prompt, style,
                maxTokens: multiline ? settings.completion.maxTokens : Math.min(settings.completion.maxTokens, 48),
                signal: controller.signal,
                singleLine: !multiline,
                onText: (t) => {
                    // Time to first token, for the log (and for tests that must abort a generation in progress).
                    if (!flight.partial) this.deps.log.debug(`completion: first text after ${Math.round(performance.now() - started)} ms`);
                    flight.partial = textAtCursor(t, prompt);
                }
            });
            marks.model = performance.now();
            this.record(result);
            if (!result.aborted) {
                // U+FFFD is a byte sequence the tokenizer could not turn into text: never useful in an editor.
                completion = postprocessCompletion(textAtCursor(result.text, prompt).replace(/\uFFFD/g, ""), ctx, {multiline});
                // "Nothing to suggest here" is remembered too, so asking again at the same spot costs nothing.
                this.cache.remember(at, completion ?? "");
                marks.postprocess = performance.now();
                this.deps.log.debug(`completion: ${result.promptTokens} prompt tokens (${result.reusedTokens} reused), `
                    + `${result.generatedTokens} generated in ${Math.round(result.prefillMs)} + ${Math.round(result.generateMs)} ms`
                    + (result.draft ? ` (draft tokens: ${result.draft.validated} accepted, ${result.draft.refuted} rejected)` : "")
                    + `, raw ${JSON.stringify(result.text)} → ${JSON.stringify(completion ?? null)}`);
            }
        } finally {
            cancelListener.dispose();
            this.metrics.running--;
            if (this.inFlight === flight) this.inFlight = undefined;
            resolveDone(completion);
        }
        if (this.tracing) {
            this.traces.push({prompt: promptParts, promptTokens: result.promptTokens, reusedTokens: result.reusedTokens,
                generatedTokens: result.generatedTokens, latencyMs: performance.now() - started,
                engineMs: result.prefillMs + result.generateMs, prefillMs: result.prefillMs, phases: phasesOf(started, waited, marks, result), draft: result.draft, threads: result.threads, aborted: result.aborted,
                rawText: result.text});
            if (this.traces.length > 256) this.traces.shift();
        }
        if (result.aborted || token.isCancellationRequested) {
            this.metrics.tokensForDiscarded += result.generatedTokens;
            if (token.isCancellationRequested) return this.cancelled();
            return {items: []};
        }
        if (completion && asked && settings.completion.candidates > 1) {
            this.startMoreCandidates(session, at, completion, ctx, asked, settings.completion.candidates);
        }
        return this.answer(doc, params, completion, started, result);
    }

    /** Generates the other candidates after this answer has been sent; a newer generation aborts them. */
    private startMoreCandidates(session: ModelSession, at: CursorText, first: string, ctx: {prefix: string; suffix: string; languageId: string},
                                request: CompletionRequest, count: number) {
        const alternatives = session.alternatives?.bind(session);
        if (!alternatives) return;
        void this.more.start(at, first, count, async (signal) => {
            // Let the first answer go out before the model is busy again.
            await new Promise((resolve) => setImmediate(resolve));
            if (signal.aborted) return [];
            return alternatives({...request, signal, onText: undefined}, count - 1);
        }, (raw) => raw.map((t) => postprocessCompletion(textAtCursor(t, request.prompt).replace(/\uFFFD/g, ""), ctx,
            {multiline: !request.singleLine}) ?? ""));
    }

    /** Aborts the generation in flight, if any, and waits until it has really stopped. */
    async abortInFlight() {
        await this.more.abort();
        const flight = this.inFlight;
        if (!flight) return;
        if (!flight.controller.signal.aborted) {
            flight.superseded = true;
            this.metrics.superseded++;
            flight.controller.abort();
        }
        await flight.done;
    }

    /** The user typed in `uri`: the background candidates of a spot there are stopped now (moreCandidates.ts). */
    documentChanged(uri: string) {
        this.more.abortFor(uri);
    }

    clearCache(uri?: string) {
        this.cache.clear(uri);
        this.more.clear(uri);
    }

    private buildPrompt(session: ModelSession, doc: TextDocument, at: CursorText, settings: ServerSettings, snippets: Snippet[]) {
        const style = resolvePromptStyle(session.identity, settings.completion.promptStyle);
        const fileName = doc.uri.replace(/^.*[\\/]/, "");
        const prompt = buildCompletionPrompt({prefix: at.prefix, suffix: at.suffix, languageId: doc.languageId, fileName,
            snippets}, style, settings.completion.promptTokens, this.counterFor(session).count);
        return {prompt, style};
    }

    /**
     * Waits before an automatically triggered request (an explicit one, like Show Next, has no typing to wait for).
     * False when a newer request arrived or the client cancelled meanwhile.
     */
    private async waitForPause(params: InlineCompletionParams, token: CancellationToken): Promise<boolean> {
        const arrival = ++this.arrivals;
        this.endWait?.();
        if (params.context?.triggerKind === 1 || this.deps.settings().completion.debounceMs <= 0) return true;
        const wait = this.debounce.next();
        await new Promise<void>((resolve) => {
            const end = () => {
                clearTimeout(timer);
                sub.dispose();
                if (this.endWait === end) this.endWait = undefined;
                resolve();
            };
            const timer = setTimeout(end, wait);
            const sub = token.onCancellationRequested(end);
            this.endWait = end;
        });
        return arrival === this.arrivals && !token.isCancellationRequested;
    }

    private counterFor(session: ModelSession) {
        let counter = this.counters.get(session);
        if (!counter) this.counters.set(session, counter = new ChunkedTokenCounter((s) => session.countTokens(s)));
        return counter;
    }

    private dropSuperseded(): InlineCompletionList {
        this.metrics.superseded++;
        return {items: []};
    }

    private record(r: GenerationResult) {
        this.metrics.promptTokens += r.promptTokens;
        this.metrics.reusedTokens += r.reusedTokens;
        this.metrics.generatedTokens += r.generatedTokens;
        this.metrics.tokensAfterAbort += r.tokensAfterAbort;
        if (r.draft) {
            this.metrics.draftValidated += r.draft.validated;
            this.metrics.draftRefuted += r.draft.refuted;
            this.metrics.draftUsed += r.draft.used;
        }
    }

    private cancelled(): never {
        this.metrics.cancelled++;
        throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Request cancelled"));
    }

    private answer(doc: TextDocument, params: InlineCompletionParams, completion: string | string[] | undefined, started: number,
                   r: GenerationResult | undefined): InlineCompletionList {
        const genSeconds = (r?.generateMs ?? 0) / 1000;
        this.deps.onStats({
            uri: doc.uri,
            latencyMs: Math.round(performance.now() - started),
            promptTokens: r?.promptTokens ?? 0,
            reusedTokens: r?.reusedTokens ?? 0,
            generatedTokens: r?.generatedTokens ?? 0,
            tokensPerSecond: r && genSeconds > 0 ? Math.round(r.generatedTokens / genSeconds) : 0,
            source: r ? "model" : "cache"
        });
        // VS Code shows ghost text next to an open suggestion list only if it replaces the item's range and starts
        // with the item's text.
        const selected = selectedItem(doc, params, doc.offsetAt(params.position));
        const texts = (Array.isArray(completion) ? completion : [completion])
            .map((t) => t && withoutControlCharacters(t)).filter((t): t is string => !!t && !!t.trim());
        return {items: texts.map((text): InlineCompletionItem => selected
            ? {insertText: selected.text + text, range: selected.range}
            : {insertText: text, range: {start: params.position, end: params.position}})};
    }
}

/**
 * The suggestion list's selected item, when the client sent a well-formed one that replaces text on the cursor's
 * line up to the cursor; anything else is ignored (the request is then answered as without a list).
 */
function selectedItem(doc: TextDocument, params: InlineCompletionParams, offset: number):
    {text: string; range: InlineCompletionItem["range"] & object; startOffset: number} | undefined {
    const info: unknown = params.context?.selectedCompletionInfo;
    if (!info || typeof info !== "object") return undefined;
    const {range, text} = info as {range?: {start?: {line?: unknown; character?: unknown}; end?: {line?: unknown; character?: unknown}}; text?: unknown};
    const start = range?.start, end = range?.end;
    if (typeof text !== "string" || !text || text.length > 1000 || /[\r\n]/.test(text) || !start || !end) return undefined;
    if (end.line !== params.position.line || end.character !== params.position.character) return undefined;
    if (start.line !== end.line || !Number.isInteger(start.character) || (start.character as number) < 0
        || (start.character as number) > (end.character as number)) return undefined;
    const startPosition = {line: params.position.line, character: start.character as number};
    return {text, range: {start: startPosition, end: params.position}, startOffset: offset - (params.position.character - startPosition.character)};
}

/** Where a request's time went (CompletionTrace.phases), from the marks taken along the way. */
function phasesOf(started: number, waited: number, at: {context: number; prompt: number; model: number; postprocess: number},
                  r: GenerationResult): CompletionTrace["phases"] {
    const tokenize = r.tokenizeMs ?? 0;
    const firstToken = r.firstTokenMs ?? 0;
    return {wait: waited - started, context: at.context - waited, prompt: at.prompt - at.context, tokenize,
        prefill: r.prefillMs, firstToken, generate: Math.max(0, r.generateMs - firstToken),
        postprocess: at.postprocess ? at.postprocess - at.model : 0};
}

function cursorKey(at: CursorText) {
    return {uri: at.uri, prefixLength: at.prefix.length, prefixTail: at.prefix.slice(-1000), suffixHead: at.suffix.slice(0, 400)};
}

/** The offset of a position, or a clear error when the position is not in the document. */
export function validatedOffset(doc: TextDocument, position: {line: number; character: number} | undefined): number {
    if (!position || !Number.isInteger(position.line) || !Number.isInteger(position.character)
        || position.line < 0 || position.character < 0 || position.line >= doc.lineCount) {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput,
            `Position ${JSON.stringify(position)} is outside ${doc.uri} (${doc.lineCount} lines).`);
    }
    const lineStart = doc.offsetAt({line: position.line, character: 0});
    const lineEnd = position.line + 1 < doc.lineCount ? doc.offsetAt({line: position.line + 1, character: 0}) : doc.getText().length;
    const lineText = doc.getText().slice(lineStart, lineEnd).replace(/(\r\n|\r|\n)$/, "");
    if (position.character > lineText.length) {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput,
            `Position ${position.line}:${position.character} is past the end of line ${position.line} (${lineText.length} characters).`);
    }
    // LSP counts UTF-16 code units: a position between the two halves of a surrogate pair is inside one character.
    if (isHighSurrogate(lineText.charCodeAt(position.character - 1)) && isLowSurrogate(lineText.charCodeAt(position.character))) {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput,
            `Position ${position.line}:${position.character} is inside a character (between the halves of a UTF-16 surrogate pair).`);
    }
    return lineStart + position.character;
}

function isHighSurrogate(c: number) {
    return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number) {
    return c >= 0xdc00 && c <= 0xdfff;
}
