// Exact tokens of each completion prompt part, remembered for the parts that did not change since the last request
// (the user turn, the lines above the cursor line: completion/prompt.ts prefixParts), so that a keystroke tokenizes
// only the cursor line. Gemma's tokenizer in llama.cpp costs ~20 ms per 8,000 characters here (completion/tokenCount.ts).
import type {Token} from "node-llama-cpp";

/** Parts remembered (a prompt has a handful; two prompts' worth covers going back and forth). */
const KEEP_PARTS = 16;

export class PartTokenCache {
    private readonly parts = new Map<string, readonly Token[]>();
    misses = 0;

    constructor(private readonly tokenize: (text: string, special: boolean) => readonly Token[]) {}

    tokens(text: string, special: boolean): readonly Token[] {
        const key = (special ? "s" : "c") + text;
        let tokens = this.parts.get(key);
        if (tokens === undefined) {
            this.misses++;
            tokens = this.tokenize(text, special);
            if (this.parts.size >= KEEP_PARTS) this.parts.delete(this.parts.keys().next().value!);
        } else {
            this.parts.delete(key);
        }
        this.parts.set(key, tokens);
        return tokens;
    }
}
