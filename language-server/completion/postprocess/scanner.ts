// A small code scanner: strings, line comments, brackets. Used to find where a line's code ends (before its
// comment), whether the cursor is in a string or comment, and which brackets a completion opens and closes.
import {BACKSLASH, BACKTICK, DQUOTE, isCloser, isIdentChar, LBRACE, LBRACKET, LPAREN, MAX_LINE_CHARS, NEWLINE,
    openerOf, SQUOTE} from "./text";
import type {LanguageRules} from "./languages";

export interface ScanState {
    /** Char code of the quote of the open string, 0 outside strings. */
    quote: number;
    /** The open string is a Python triple-quoted one. */
    triple: boolean;
    /** The open string was opened before the scanned text (the cursor is inside it). */
    quoteFromBefore: boolean;
    inComment: boolean;
}

export function freshState(): ScanState {
    return {quote: 0, triple: false, quoteFromBefore: false, inComment: false};
}

/**
 * Scans code, updating `state`; with `stack`/`excess`, also tracks brackets outside strings and comments.
 * Single- and double-quoted strings end at a newline; backtick and triple-quoted strings span lines. Block
 * comments are not tracked (rare around a cursor, and harmless here). Returns where a line comment starts on
 * the last line, or -1.
 */
export function scan(text: string, rules: LanguageRules, state: ScanState, stack?: number[], excess?: number[]): number {
    let commentAt = -1;
    // First characters of the comment markers, so that most characters cost one comparison.
    const comment0 = rules.lineComments.length > 0 ? rules.lineComments[0].charCodeAt(0) : -1;
    const comment1 = rules.lineComments.length > 1 ? rules.lineComments[1].charCodeAt(0) : -1;
    if (state.quote !== 0) state.quoteFromBefore = true;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === NEWLINE) {
            state.inComment = false;
            commentAt = -1;
            if (state.quote !== 0 && state.quote !== BACKTICK && !state.triple) state.quote = 0;
            continue;
        }
        if (state.inComment) continue;
        if (state.quote !== 0) {
            if (c === BACKSLASH) {
                i++;
            } else if (c === state.quote) {
                if (!state.triple) {
                    closeString(state, i, excess);
                } else if (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c) {
                    closeString(state, i, excess);
                    i += 2;
                }
            }
            continue;
        }
        if ((c === comment0 || c === comment1) && isLineCommentAt(text, i, rules)) {
            state.inComment = true;
            commentAt = i;
            continue;
        }
        if (c === DQUOTE || c === BACKTICK || c === SQUOTE) {
            if (c === SQUOTE && !rules.singleQuoteStrings) {
                i = skipCharLiteral(text, i);
                continue;
            }
            if (c === SQUOTE && isApostrophe(text, i)) continue;
            state.quote = c;
            state.quoteFromBefore = false;
            state.triple = rules.tripleQuotes && c !== BACKTICK
                && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
            if (state.triple) i += 2;
            continue;
        }
        if (!stack || !excess) continue;
        if (c === LPAREN || c === LBRACKET || c === LBRACE) {
            stack.push(c);
        } else if (isCloser(c)) {
            if (stack.length > 0 && stack[stack.length - 1] === openerOf(c)) stack.pop();
            else excess.push(i);
        }
    }
    return commentAt;
}

/** A `'` right after a word is an apostrophe (don't), unless the word is a string prefix (f'', rb'', u''). */
export function isApostrophe(text: string, i: number): boolean {
    let start = i;
    while (start > 0 && i - start < 3 && isIdentChar(text.charCodeAt(start - 1))) start--;
    if (start === i) return false;
    if (i - start > 2) return true;
    for (let j = start; j < i; j++) if (!"fFrRbBuU".includes(text[j])) return true;
    return false;
}

export function closeString(state: ScanState, i: number, excess: number[] | undefined): void {
    if (state.quoteFromBefore) excess?.push(i);
    state.quote = 0;
    state.triple = false;
    state.quoteFromBefore = false;
}

/** Skips a char literal ('a', '\n', '\u{1F600}') and returns the index of its closing quote; else stays put. */
export function skipCharLiteral(text: string, i: number): number {
    if (text.charCodeAt(i + 1) === BACKSLASH) {
        const close = text.indexOf("'", i + 2);
        return close !== -1 && close - i <= 12 ? close : i;
    }
    return text.charCodeAt(i + 2) === SQUOTE ? i + 2 : i;
}

export function isLineCommentAt(text: string, i: number, rules: LanguageRules): boolean {
    for (const marker of rules.lineComments) {
        if (text.charCodeAt(i) === marker.charCodeAt(0) && text.startsWith(marker, i)) return true;
    }
    return false;
}

/** The line without its trailing comment and trailing whitespace (only the last MAX_LINE_CHARS are read). */
export function codeOf(line: string, rules: LanguageRules): string {
    const text = line.length > MAX_LINE_CHARS ? line.slice(line.length - MAX_LINE_CHARS) : line;
    const state = freshState();
    const commentAt = scan(text, rules, state);
    return (commentAt === -1 ? text : text.slice(0, commentAt)).trimEnd();
}
