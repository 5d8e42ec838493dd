// Runs one generation on a sequence that keeps its KV cache between requests:
// - reuses the longest prompt prefix already evaluated (while typing, only the last line changes);
// - feeds the rest in batch-sized chunks and checks the abort signal between them, because node-llama-cpp
//   ignores an abort during a long prefill (notes: 7 s to settle for a 3,000-token prompt fed at once);
// - generates greedily and stops at special tokens, stop strings, a line end when asked, or the abort signal;
// - with a drafter (speculative decoding, drafter.ts): the draft model follows the prefill chunk by chunk, then
//   each step drafts a few tokens and the main model evaluates the pending token and the draft in one batch, a
//   greedy token at every position; the draft tokens that match are kept with the main model's next token, the rest
//   erased. The output is the main model's greedy output, as without a draft.
import type {LlamaContextSequence, LlamaGrammarEvaluationState, LlamaModel, Token} from "node-llama-cpp";
import {emptyResult, GenerationResult} from "../engine";
import {keepCommonPrefix} from "./sequencePrefix";
import {StopScanner, TokenTextDecoder} from "./tokenText";

/**
 * Prefill chunk = the context's batch size (512 by default). Smaller chunks abort sooner but cost throughput:
 * measured here on 2 cores, 1,500 prompt tokens took 513 ms in 512-token chunks, 945 ms in 256, 1,029 ms in 128
 * (one call: 581 ms). One batch is ~60 ms for Gemma 2 9B on an H100, so the abort latency stays small there.
 */
export function prefillChunk(sequence: LlamaContextSequence) {
    return Math.max(64, sequence.context.batchSize);
}

export type Take = "end" | "last" | "more";

/** What speculate() drafts with: a draft model (drafter.ts) or prompt lookup (promptLookup.ts). */
export interface TokenDrafter {
    /** Whether a generation with this many tokens in the sequence can be drafted for. */
    fits(history: number): boolean;
    /** Follows the main sequence's prefill (the tokens it holds so far). */
    align(tokens: readonly Token[]): Promise<void>;
    /** Up to `limit` tokens expected after `history` + `pending`. */
    draft(history: readonly Token[], pending: Token, limit: number): Promise<Token[]>;
}

export interface GenerateOptions {
    maxTokens: number;
    signal: AbortSignal;
    /** Stop when the text so far contains one of these (the caller cuts them off). */
    stops?: string[];
    /** Stop at the first line break after some non-blank text. */
    singleLine?: boolean;
    /** Receives the text generated so far after each token. */
    onText?: (text: string) => void;
    /** Constrains sampling to a grammar (e.g. a JSON schema). */
    grammarEvaluationState?: LlamaGrammarEvaluationState;
    /** Speculative decoding with this drafter (not with a grammar). */
    drafter?: TokenDrafter;
    /**
     * Awaited between prefill chunks and tokens: the shared host may pause the generation there while another
     * window's turn runs (host/fairTurns.ts). False ends the generation as aborted.
     */
    between?: () => Promise<boolean>;
}

export async function generate(sequence: LlamaContextSequence, prompt: Token[], options: GenerateOptions): Promise<GenerationResult> {
    const model = sequence.model;
    const started = performance.now();
    const result: GenerationResult = {...emptyResult(), promptTokens: prompt.length};
    if (prompt.length === 0) return result;

    // At least the last prompt token must be evaluated again to get logits for the first new token.
    result.reusedTokens = await keepCommonPrefix(sequence, prompt, prompt.length - 1);

    const drafter = options.grammarEvaluationState ? undefined : options.drafter;
    const chunk = prefillChunk(sequence);
    for (let i = result.reusedTokens; i < prompt.length - 1; i += chunk) {
        if (options.signal.aborted || (options.between && !await options.between())) {
            result.aborted = true;
            result.prefillMs = performance.now() - started;
            return result;
        }
        const end = Math.min(i + chunk, prompt.length - 1);
        // The draft model's prefill runs beside the main model's (another context).
        await Promise.all([sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(i, end)), drafter?.align(prompt.slice(0, end))]);
    }
    result.prefillMs = performance.now() - started;
    if (options.signal.aborted) {
        result.aborted = true;
        return result;
    }

    let generated = 0;
    let genStarted = 0;
    const decoder = new TokenTextDecoder(model);
    const stops = new StopScanner(options.stops, options.singleLine);
    const ends = endTokens(model);
    /** Takes one generated token: "end" (not taken: the generation ends), "last" (taken, and it ends) or "more". */
    const take = (token: Token): Take => {
        if (generated === 0) result.firstTokenMs = performance.now() - genStarted;
        if (ends.is(token)) return "end";
        generated++;
        if (options.signal.aborted) {
            result.aborted = true;
            result.tokensAfterAbort++;
            return "last";
        }
        // Constant work per token: only the new token is detokenized, only the new text is scanned for stops.
        if (decoder.push(token) === "") return generated < options.maxTokens ? "more" : "last";
        result.text = decoder.text;
        options.onText?.(result.text);
        return generated < options.maxTokens && !stops.check(result.text) ? "more" : "last";
    };
    genStarted = performance.now();
    if (drafter && drafter.fits(prompt.length + options.maxTokens)) {
        result.draft = await speculate(sequence, drafter, prompt.at(-1)!, take, () => options.maxTokens - generated, options.between);
    } else {
        for await (const token of sequence.evaluate(prompt.slice(-1), {temperature: 0, grammarEvaluationState: options.grammarEvaluationState})) {
            if (take(token) !== "more") break;
            // The sequence's next token is evaluated only when the loop asks for it: a pause here holds nothing.
            if (options.between && !await options.between()) {
                result.aborted = true;
                break;
            }
        }
    }
    // A character still incomplete when the generation stopped is dropped, never shown half.
    if (decoder.flush() !== "") {
        result.text = decoder.text;
        options.onText?.(result.text);
    }
    result.generatedTokens = generated;
    result.generateMs = performance.now() - genStarted;
    return result;
}

/**
 * Greedy generation with drafts: per step, the draft model drafts up to `remaining()` tokens after `pending`; the main
 * sequence evaluates pending + draft at once with a greedy token at each position; the draft's tokens up to the first
 * mismatch are accepted, followed by the main model's own token there. `take` gets the tokens one by one, as the
 * plain loop would, and may end the generation after any of them. Exported for bench/speculative.ts.
 */
export async function speculate(sequence: LlamaContextSequence, drafter: TokenDrafter, pending: Token, take: (t: Token) => Take,
                         remaining: () => number, between?: () => Promise<boolean>) {
    const stats = {validated: 0, refuted: 0, used: 0};
    for (;;) {
        const history = sequence.contextTokens;
        // One token less than what is left: the main model adds its own after the accepted ones.
        const draft = await drafter.draft(history, pending, Math.min(remaining() - 1, sequence.contextSize - history.length - 2));
        const checked = await sequence.controlledEvaluate([pending, ...draft].map((token) =>
            [token, {generateNext: {token: true, options: {temperature: 0}}}]));
        let accepted = 0;
        while (accepted < draft.length && checked[accepted]?.next?.token === draft[accepted]) accepted++;
        const next = checked[accepted]?.next?.token;
        if (accepted < draft.length) {
            const end = history.length + 1 + draft.length;
            await sequence.eraseContextTokenRanges([{start: end - (draft.length - accepted), end}]);
        }
        stats.validated += accepted;
        stats.refuted += draft.length - accepted;
        for (let i = 0; i < accepted; i++) {
            const taken = take(draft[i]);
            if (taken !== "end") stats.used++;
            if (taken !== "more") return stats;
        }
        if (next == null || take(next) !== "more") return stats;
        if (between && !await between()) return stats;
        pending = next;
    }
}

/**
 * Control tokens (<eos>, <end_of_turn>, FIM markers, <|file_separator|>) never belong in the editor. Which tokens
 * are special is asked of node-llama-cpp once per token id and model (isSpecialToken detokenizes the token twice).
 */
const endTokenCache = new WeakMap<LlamaModel, {is(token: Token): boolean}>();

function endTokens(model: LlamaModel) {
    let cached = endTokenCache.get(model);
    if (!cached) {
        const known = new Map<Token, boolean>();
        cached = {
            is(token: Token) {
                let end = known.get(token);
                if (end === undefined) {
                    end = token === model.tokens.eos || token === model.tokens.eot || model.isSpecialToken(token);
                    known.set(token, end);
                }
                return end;
            }
        };
        endTokenCache.set(model, cached);
    }
    return cached;
}

export function isEndToken(model: LlamaModel, token: Token) {
    return endTokens(model).is(token);
}
