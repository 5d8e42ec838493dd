// Filter: bracket balance. Drops closing brackets and quotes of a suggestion that the document already supplies
// after the cursor; counts which brackets a suggestion opens and closes (also for the suffix-overlap filter).
import {BACKTICK, COMMA, DQUOTE, isCloser, isSpace, isSpaceOrNewline, MAX_CONTEXT_CHARS, MAX_LINE_CHARS, SEMICOLON,
    SQUOTE} from "./text";
import type {LanguageRules} from "./languages";
import {scan, type ScanState} from "./scanner";
import {type Cursor, isClosingLine} from "./context";

/**
 * Step 3, same line: what the overlap cut leaves may still close, in its middle, a bracket or string opened
 * before the cursor that the editor has already closed after it (`println(|)` + `"hello");`). An insertion
 * cannot remove the editor's closer, so the completion is cut before its own: `"hello"`.
 */
export function cutAtClosersTheLineSupplies(text: string, cursor: Cursor, rules: LanguageRules): string {
    if (cursor.restIsBlank) return text;
    const next = cursor.lineSuffix.trimStart().charCodeAt(0);
    if (!isCloser(next) && next !== DQUOTE && next !== SQUOTE && next !== BACKTICK) return text;
    for (const i of tallyBrackets(text, cursor, rules).excess) {
        if (text.charCodeAt(i) === next) return text.slice(0, i);
    }
    return text;
}

/**
 * Step 3, end of line: a one-line completion that ends in closing brackets it did not open (`b)` after
 * `foo(a, `) loses them when the suffix's next characters are those brackets (`)` on the next line). Closing
 * lines of multi-line completions are governed by the indentation rule instead.
 */
export function dropClosersTheSuffixSupplies(text: string, suffix: string, cursor: Cursor, rules: LanguageRules): string {
    let next = 0;
    while (next < suffix.length && next < MAX_CONTEXT_CHARS && isSpaceOrNewline(suffix.charCodeAt(next))) next++;
    if (!isCloser(suffix.charCodeAt(next))) return text;
    const lineStart = text.lastIndexOf("\n") + 1;
    if (lineStart > 0 && isClosingLine(text.slice(lineStart, lineStart + MAX_LINE_CHARS).trim(), rules)) return text;
    const tally = tallyBrackets(text, cursor, rules);
    if (tally.excess.length === 0) return text;
    // The tail: unmatched closers, `;`, `,` and whitespace, with at least one closer.
    let tailStart = text.length;
    let excessIndex = tally.excess.length - 1;
    let closers = 0;
    while (tailStart > lineStart) {
        const i = tailStart - 1;
        const c = text.charCodeAt(i);
        if (excessIndex >= 0 && tally.excess[excessIndex] === i) {
            excessIndex--;
            closers++;
        } else if (!(c === SEMICOLON || c === COMMA || isSpace(c))) {
            break;
        }
        tailStart = i;
    }
    if (closers === 0) return text;
    // Compare the tail with the suffix's next characters, whitespace ignored on both sides.
    let j = next;
    for (let i = tailStart; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (isSpace(c)) continue;
        while (j < suffix.length && j < MAX_CONTEXT_CHARS && isSpaceOrNewline(suffix.charCodeAt(j))) j++;
        if (suffix.charCodeAt(j) !== c) return text;
        j++;
    }
    return text.slice(0, tailStart);
}

export interface BracketTally {
    /** Brackets (and strings) the text opens and does not close. */
    unclosed: number;
    /** Positions of closing brackets (and quotes) that close something opened before the text. */
    excess: number[];
}

/** Counts the completion's own brackets, starting from the string/comment state at the cursor. */
export function tallyBrackets(text: string, cursor: Cursor, rules: LanguageRules): BracketTally {
    const state: ScanState = {...cursor.state};
    const stack: number[] = [];
    const excess: number[] = [];
    scan(text, rules, state, stack, excess);
    return {unclosed: stack.length + (state.quote !== 0 && !state.quoteFromBefore ? 1 : 0), excess};
}
