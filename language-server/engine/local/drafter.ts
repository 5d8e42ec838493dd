// The draft side of speculative decoding: brings the draft model's sequence to the main sequence's tokens (prefix
// reuse: erase from the first difference, evaluate the rest) and drafts up to maxTokens tokens greedily, ending
// before a token it is not confident about. The main side (checking a draft in one batch) is in
// generator.ts. Everything runs when the generator awaits it, so an aborted generation leaves no draft work
// behind.
//
// Why not node-llama-cpp's DraftSequenceTokenPredictor with `getSequence({tokenPredictor})` (3.21.1): its check
// (LlamaContextSequence._speculativeEvaluate) accepts at most the first drafted token of a batch (it compares the later
// ones with `validatedTokens.at(-1)`, an array nothing ever fills), so every draft longer than one token is mostly
// counted as refuted and erased; its background drafting also loses a token whenever a draft that reached maxTokens is
// consumed whole, after which the draft runs one token off for the rest of the generation. bench/speculative.ts
// measures both predictors side by side.
import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {keepCommonPrefix} from "./sequencePrefix";

export interface DrafterOptions {
    /** Most tokens one draft may have. */
    maxTokens: number;
    /** A draft ends before a token whose probability is below this (0 = never). */
    minConfidence: number;
    /** Told about a failure of the draft model; the completion goes on without a draft. */
    onError?: (error: unknown) => void;
}

/** The draft model drafts for nobody after this many failures (each is logged). */
const MAX_FAILURES = 3;

export class Drafter {
    private failures = 0;

    constructor(readonly sequence: LlamaContextSequence, readonly options: DrafterOptions) {}

    /** Whether `history` and a full draft after it fit in the draft's context (else: no drafts for that generation). */
    fits(history: number) {
        return this.failures < MAX_FAILURES && history + this.options.maxTokens + 1 < this.sequence.contextSize;
    }

    /** Makes the draft sequence hold exactly `tokens` (what the main sequence holds): for the prefill. */
    async align(tokens: readonly Token[]) {
        if (!this.fits(tokens.length)) return;
        await this.guard(async () => {
            const missing = tokens.slice(await keepCommonPrefix(this.sequence, tokens));
            if (missing.length > 0) await this.sequence.evaluateWithoutGeneratingNewTokens(missing);
        }, undefined);
    }

    /** Up to `limit` tokens the draft model expects after `history` + `pending`; none if the draft model fails. */
    async draft(history: readonly Token[], pending: Token, limit: number): Promise<Token[]> {
        limit = Math.min(limit, this.options.maxTokens);
        if (limit <= 0 || !this.fits(history.length)) return [];
        return this.guard(async () => {
            // After a draft accepted whole, the draft still lacks its own last token: one batch with the pending token.
            const missing = [...history.slice(await keepCommonPrefix(this.sequence, history)), pending];
            const tokens: Token[] = [];
            for await (const {token, confidence} of this.sequence.evaluateWithMetadata(missing, {confidence: true}, {temperature: 0})) {
                if (confidence < this.options.minConfidence) break;
                tokens.push(token);
                if (tokens.length >= limit) break;
            }
            return tokens;
        }, []);
    }

    /** Runs draft work; a failure is reported and gives `fallback` (the next call realigns from scratch if need be). */
    private async guard<T>(work: () => Promise<T>, fallback: T): Promise<T> {
        try {
            return await work();
        } catch (error) {
            this.failures++;
            this.options.onError?.(error);
            return fallback;
        }
    }
}
