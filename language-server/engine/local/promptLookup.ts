// Prompt-lookup decoding: drafts without a second model. Code repeats itself (names, argument lists, the line
// above), so the tokens that followed the last occurrence of the context's final n-gram are a good guess for what
// comes next. The guess is checked like a draft model's (speculate in generator.ts: one batch, a greedy token at
// every position, the first mismatch and everything after it dropped), so the output is exactly the greedy output.
// The prompt holds the document around the cursor and the definition snippets: matching against the sequence's own
// tokens (prompt + what was generated) searches all of them.
import type {Token} from "node-llama-cpp";
import type {PromptLookupSetting} from "../../../protocol/lsp";
import type {TokenDrafter} from "./generator";

export interface PromptLookupOptions {
    /** Longest n-gram to match (longer matches are tried first: they predict better). */
    maxNgram: number;
    /** Shortest n-gram to match; 1 drafts after any repeated token, which on code is mostly noise. */
    minNgram: number;
    /** Most tokens one draft may have. */
    maxTokens: number;
    /** How far back to search (tokens): bounds the cost per step on long prompts. */
    window: number;
}

export const DEFAULT_PROMPT_LOOKUP: PromptLookupOptions = {maxNgram: 4, minNgram: 2, maxTokens: 8, window: 4096};

/**
 * The tokens that followed the most recent earlier occurrence of the longest suffix n-gram of `tokens`, at most
 * `limit` of them; none when no n-gram of at least minNgram tokens occurs earlier.
 */
export function lookupDraft(tokens: readonly Token[], limit: number, options: PromptLookupOptions = DEFAULT_PROMPT_LOOKUP): Token[] {
    const n = tokens.length;
    limit = Math.min(limit, options.maxTokens);
    if (limit <= 0) return [];
    const stop = Math.max(0, n - options.window);
    for (let size = Math.min(options.maxNgram, n - 1); size >= options.minNgram; size--) {
        const tail = n - size;
        // Newest first: nearby text (the line above) is the likeliest to be repeated; the match must end before the
        // tail starts, so that at least one token follows it.
        for (let start = tail - 1; start >= stop; start--) {
            let k = 0;
            while (k < size && tokens[start + k] === tokens[tail + k]) k++;
            if (k < size) continue;
            const from = start + size;
            return tokens.slice(from, Math.min(from + limit, n)) as Token[];
        }
    }
    return [];
}

/** A drafter for speculate() that looks its drafts up in the sequence's own tokens. */
export class PromptLookupDrafter implements TokenDrafter {
    constructor(private readonly options: PromptLookupOptions = DEFAULT_PROMPT_LOOKUP) {}

    fits() {
        return true;
    }

    async align() {}

    async draft(history: readonly Token[], pending: Token, limit: number): Promise<Token[]> {
        return lookupDraft([...history, pending], limit, this.options);
    }
}

/**
 * Whether completions use prompt lookup. "auto": measured with `npm run bench:engine` (README, "Prompt lookup") —
 * on the CPU a batch of k+1 tokens costs nearly k+1 single steps for a model the size of Gemma 3 270M, so a draft
 * pays only when it is accepted; on a GPU, checking a batch costs about as much as one token.
 */
export function usePromptLookup(setting: PromptLookupSetting, backend: "cpu" | "gpu"): boolean {
    if (setting !== "auto") return setting === "on";
    return AUTO_ON[backend];
}

/**
 * From bench:engine (2026-12-01, Gemma 3 270M, 2-core CPU): 22 % of drafts accepted on real code, generation 13 vs
 * 27 tok/s with and without: off on the CPU. Not measured on a GPU yet (no GPU here): off until bench/gpu says so.
 */
const AUTO_ON: Record<"cpu" | "gpu", boolean> = {cpu: false, gpu: false};
