// Runs one generation on a sequence that keeps its KV cache between requests:
// - reuses the longest prompt prefix already evaluated (while typing, only the last line changes);
// - feeds the rest in batch-sized chunks and checks the abort signal between them, because node-llama-cpp
//   ignores an abort during a long prefill (notes: 7 s to settle for a 3,000-token prompt fed at once);
// - generates greedily and stops at special tokens, stop strings, a line end when asked, or the abort signal.
import type {LlamaContextSequence, LlamaGrammarEvaluationState, LlamaModel, Token} from "node-llama-cpp";
import {GenerationResult, shouldStop} from "../engine/engine";

/**
 * Prefill chunk = the context's batch size (512 by default). Smaller chunks abort sooner but cost throughput:
 * measured here on 2 cores, 1,500 prompt tokens took 513 ms in 512-token chunks, 945 ms in 256, 1,029 ms in 128
 * (one call: 581 ms). One batch is ~60 ms for Gemma 2 9B on an H100, so the abort latency stays small there.
 */
export function prefillChunk(sequence: LlamaContextSequence) {
    return Math.max(64, sequence.context.batchSize);
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
}

/** The local engine's result is the engine interface's (see engine/engine.ts). */
export type GenerateResult = GenerationResult;

export async function generate(sequence: LlamaContextSequence, prompt: Token[], options: GenerateOptions): Promise<GenerateResult> {
    const model = sequence.model;
    const started = performance.now();
    const result: GenerateResult = {
        text: "", promptTokens: prompt.length, reusedTokens: 0, generatedTokens: 0, aborted: false, tokensAfterAbort: 0, prefillMs: 0, generateMs: 0
    };
    if (prompt.length === 0) return result;

    // At least the last prompt token must be evaluated again to get logits for the first new token.
    const reusable = Math.min(sequence.compareContextTokens(prompt).firstDifferentIndex, prompt.length - 1);
    if (sequence.nextTokenIndex > reusable) {
        await sequence.eraseContextTokenRanges([{start: reusable, end: sequence.nextTokenIndex}]);
    }
    // eraseContextTokenRanges may drop more than asked (SWA caches); trust what the sequence really holds.
    result.reusedTokens = Math.min(sequence.nextTokenIndex, reusable);

    const chunk = prefillChunk(sequence);
    for (let i = result.reusedTokens; i < prompt.length - 1; i += chunk) {
        if (options.signal.aborted) {
            result.aborted = true;
            result.prefillMs = performance.now() - started;
            return result;
        }
        await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(i, Math.min(i + chunk, prompt.length - 1)));
    }
    result.prefillMs = performance.now() - started;
    if (options.signal.aborted) {
        result.aborted = true;
        return result;
    }

    const generated: Token[] = [];
    const genStarted = performance.now();
    for await (const token of sequence.evaluate(prompt.slice(-1), {temperature: 0, grammarEvaluationState: options.grammarEvaluationState})) {
        if (isEndToken(model, token)) break;
        generated.push(token);
        if (options.signal.aborted) {
            result.aborted = true;
            result.tokensAfterAbort++;
            break;
        }
        const text = model.detokenize(generated, false);
        result.text = text;
        options.onText?.(text);
        if (generated.length >= options.maxTokens || shouldStop(text, options.stops, options.singleLine)) break;
    }
    result.generatedTokens = generated.length;
    result.generateMs = performance.now() - genStarted;
    return result;
}

function isEndToken(model: LlamaModel, token: Token) {
    // Control tokens (<eos>, <end_of_turn>, FIM markers, <|file_separator|>) never belong in the editor.
    return token === model.tokens.eos || token === model.tokens.eot || model.isSpecialToken(token);
}
