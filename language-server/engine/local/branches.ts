// More inline-completion candidates from the KV cache the first one left behind (local engine). After the first
// (greedy) suggestion has been answered, the completion sequence still holds its prompt and most of its tokens. One
// batch evaluates the last prompt token and the suggestion's first few tokens with their probabilities; the branch
// point is the position where the model was least sure, and each runner-up token there starts a new greedy
// continuation. Only that token and what follows it are evaluated: the prompt is never prefilled again.
import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {generate, isEndToken as isEnd} from "./generator";
import {keepCommonPrefix} from "./sequencePrefix";

/** How many of the first suggestion's leading tokens may be the branch point. */
const PROBE_TOKENS = 4;
/** Runner-up tokens considered at the branch point (more than asked: some end up as duplicates). */
const TOP_K = 8;
/** A runner-up the model gives less than this is noise, not an alternative. */
const MIN_PROBABILITY = 0.005;

export interface BranchOptions {
    /** Candidates wanted besides the first. */
    count: number;
    maxTokens: number;
    signal: AbortSignal;
    stops?: string[];
    singleLine?: boolean;
    /** See GenerateOptions.between. */
    between?: () => Promise<boolean>;
}

/**
 * Raw (not postprocessed) alternative suggestions, best first. Empty when the sequence no longer holds `prompt`
 * (another generation ran in between) or the signal fired.
 */
export async function branchCandidates(sequence: LlamaContextSequence, prompt: Token[], options: BranchOptions): Promise<string[]> {
    const model = sequence.model;
    const held = sequence.contextTokens;
    if (prompt.length === 0 || held.length < prompt.length || sequence.compareContextTokens(prompt).firstDifferentIndex < prompt.length) return [];
    const first = held.slice(prompt.length, prompt.length + PROBE_TOKENS - 1);
    await keepCommonPrefix(sequence, prompt, prompt.length - 1);
    if (options.signal.aborted) return [];

    const probed = await sequence.controlledEvaluate([prompt.at(-1)!, ...first].map((token) =>
        [token, {generateNext: {probabilities: true, options: {temperature: 1, topK: TOP_K}}}]));
    // The least sure position among the first tokens: where a different choice changes the suggestion most.
    let branchAt = 0;
    let lowest = Infinity;
    probed.forEach((out, i) => {
        const top = out?.next?.probabilities?.values().next().value ?? 1;
        if (top < lowest) {
            lowest = top;
            branchAt = i;
        }
    });
    const greedy = first[branchAt];
    const alternatives = [...(probed[branchAt]?.next?.probabilities ?? new Map<Token, number>()).entries()]
        .filter(([token, p]) => token !== greedy && p >= MIN_PROBABILITY && !(branchAt === 0 && isEnd(model, token)))
        .slice(0, options.count + 2)
        .map(([token]) => token);

    const head = first.slice(0, branchAt);
    const texts: string[] = [];
    for (const token of alternatives) {
        if (options.signal.aborted) break;
        const start = model.detokenize([...head, ...(isEnd(model, token) ? [] : [token])], false);
        // An end token here means "the suggestion ends after the head": a shorter candidate.
        if (isEnd(model, token)) {
            texts.push(start);
            continue;
        }
        const rest = await generate(sequence, [...prompt, ...head, token], {
            maxTokens: Math.max(1, options.maxTokens - head.length - 1), signal: options.signal, stops: options.stops,
            singleLine: options.singleLine && !start.includes("\n"), between: options.between
        });
        if (rest.aborted) break;
        texts.push(start + rest.text);
    }
    return texts;
}
