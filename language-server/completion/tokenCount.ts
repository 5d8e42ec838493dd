// Token counting and tokenizing for completion prompts, at a cost that does not grow with the file while typing.
// Gemma's tokenizer in llama.cpp is slow for a 262k vocabulary (measured here: ~20 ms per 8,000 characters idle,
// ~0.1–0.4 ms a call), and building a prompt used to count the prefix window again for every 16-line step it
// moved (20+ counts of ~7,000 characters a keystroke: 390 ms of a 270M suggestion under load, bench:engine).
// - ChunkedTokenCounter: counts a text as the sum of its 16-line chunks, each counted once and remembered. The prefix
//   window starts on a 16-line boundary, so its chunks are the same from keystroke to keystroke: a keystroke costs one
//   count of the chunk being typed in. The sum may differ from counting the whole text by a token where a chunk
//   boundary splits what one token would span (blank lines): fine for a budget.
// The exact tokens of the prompt's parts are remembered by the local engine (engine/local/partTokens.ts).

export const CHUNK_LINES = 16;
/** Chunks remembered (~16 lines each: a few thousand lines of code). */
const KEEP_CHUNKS = 512;

export class ChunkedTokenCounter {
    private readonly chunks = new Map<string, number>();
    /** Counts asked of the tokenizer (for tests). */
    misses = 0;

    constructor(private readonly countExact: (text: string) => number) {}

    count = (text: string): number => {
        const lines = text.split("\n");
        let total = 0;
        for (let i = 0; i < lines.length; i += CHUNK_LINES) total += this.chunk(lines.slice(i, i + CHUNK_LINES).join("\n"));
        // The line break between two chunks is a token of its own in the whole text.
        return total + Math.ceil(lines.length / CHUNK_LINES) - 1;
    };

    private chunk(text: string): number {
        if (text === "") return 0;
        let n = this.chunks.get(text);
        if (n === undefined) {
            this.misses++;
            n = this.countExact(text);
            if (this.chunks.size >= KEEP_CHUNKS) this.chunks.delete(this.chunks.keys().next().value!);
        } else {
            this.chunks.delete(text); // most recently used last
        }
        this.chunks.set(text, n);
        return n;
    }
}
