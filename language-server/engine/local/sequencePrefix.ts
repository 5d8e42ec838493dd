// KV-cache prefix reuse, shared by the main sequence (generator.ts) and the draft model's (drafter.ts).
import type {LlamaContextSequence, Token} from "node-llama-cpp";

/**
 * Erases what `sequence` holds from the first token that differs from `tokens` (or from `keepAtMost`), and returns
 * how many of `tokens` it still holds: those need no evaluation.
 */
export async function keepCommonPrefix(sequence: LlamaContextSequence, tokens: readonly Token[], keepAtMost = tokens.length) {
    const keep = Math.min(sequence.compareContextTokens(tokens as Token[]).firstDifferentIndex, keepAtMost);
    if (sequence.nextTokenIndex > keep) await sequence.eraseContextTokenRanges([{start: keep, end: sequence.nextTokenIndex}]);
    // eraseContextTokenRanges may drop more than asked (SWA caches): trust what the sequence really holds.
    return Math.min(sequence.nextTokenIndex, keep);
}
