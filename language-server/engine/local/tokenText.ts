// Turns generated tokens into text as they come, at a constant cost per token (the generation loop used to
// detokenize the whole output and scan all of it for stop strings after every token: quadratic in the output).
// - TokenTextDecoder: detokenizes only the tokens not yet shown, and holds back tokens whose bytes end in the middle
//   of a UTF-8 sequence (Gemma spells rare characters — Devanagari, emoji — as byte tokens), so no partial character
//   ("\ufffd") ever reaches a suggestion, a chat reply or an explanation.
// - StopScanner: the stop rules of engine.ts's shouldStop, checked only over the text a token added.
import type {LlamaModel, Token} from "node-llama-cpp";

/** A UTF-8 character has at most 4 bytes: more pending tokens than that can never complete one. */
const MAX_PENDING = 4;
/** Tokens before the new ones that detokenization sees, for tokenizers whose pieces depend on what precedes them. */
const CONTEXT_TOKENS = 4;
const REPLACEMENT = /\ufffd/g;

export class TokenTextDecoder {
    /** The text of the tokens decoded so far (whole characters only). */
    text = "";
    private pending: Token[] = [];
    private readonly recent: Token[] = [];

    constructor(private readonly model: LlamaModel) {}

    /** Adds a token; returns the text it completes ("" while a multi-byte character is still incomplete). */
    push(token: Token): string {
        this.pending.push(token);
        const piece = this.model.detokenize(this.pending, false, this.recent.length ? this.recent : undefined);
        if (piece.endsWith("\ufffd") && this.pending.length < MAX_PENDING) return "";
        return this.emit(piece);
    }

    /** The generation ended: a character left incomplete is dropped (its bytes cannot be shown as text). */
    flush(): string {
        if (this.pending.length === 0) return "";
        const piece = this.model.detokenize(this.pending, false, this.recent.length ? this.recent : undefined);
        return this.emit(piece.replace(/\ufffd+$/, ""));
    }

    private emit(piece: string): string {
        for (const t of this.pending) this.recent.push(t);
        if (this.recent.length > CONTEXT_TOKENS) this.recent.splice(0, this.recent.length - CONTEXT_TOKENS);
        this.pending = [];
        // Bytes that are not UTF-8 at all (a small model's noise) are left out rather than shown as "\ufffd".
        const clean = piece.includes("\ufffd") ? piece.replace(REPLACEMENT, "") : piece;
        this.text += clean;
        return clean;
    }
}

/**
 * engine.ts's shouldStop(text, stops, singleLine), incremental: `check` is called after each append with the whole
 * text and looks only at what can have changed (the added text and, for stop strings, the characters before it
 * that a stop string could straddle). Gives the same answer as shouldStop on the same text.
 */
export class StopScanner {
    private readonly longestStop: number;
    private scanned = 0;
    private firstBreak = -1;
    private lineBefore = false;

    constructor(private readonly stops: readonly string[] | undefined, private readonly singleLine: boolean | undefined) {
        this.longestStop = Math.max(0, ...(stops ?? []).map((s) => s.length));
    }

    check(text: string): boolean {
        const from = this.scanned;
        this.scanned = text.length;
        if (from === text.length) return false;
        if (this.stops?.length) {
            const window = text.slice(Math.max(0, from - this.longestStop + 1));
            if (this.stops.some((s) => s.length > 0 ? window.includes(s) : true)) return true;
        }
        if (!this.singleLine) return false;
        let i = from;
        if (this.firstBreak < 0) {
            this.firstBreak = text.indexOf("\n", from);
            if (this.firstBreak < 0) return false;
            this.lineBefore = text.slice(0, this.firstBreak).trim().length > 0;
            if (this.lineBefore) return true;
            i = this.firstBreak + 1;
        }
        // A completion that starts with a line break may fill the next line, but not a second one.
        return text.indexOf("\n", Math.max(i, this.firstBreak + 1)) >= 0;
    }
}
