// Shared by the postprocessing filters: how far around the cursor they ever look, character codes (the scanners
// compare char codes, no per-character strings) and small character and line helpers.

/** Characters of the cursor line (before and after the cursor) that are analysed. */
export const MAX_LINE_CHARS = 4000;

/** Lines of prefix or suffix looked at when searching for the enclosing block, the next line, a closer. */
export const MAX_CONTEXT_LINES = 500;

/** Characters of prefix or suffix looked at for the same purpose (guards against huge single lines). */
export const MAX_CONTEXT_CHARS = 100_000;

/** Columns a tab stands for when indentation widths are compared. */
export const TAB_WIDTH = 4;

// Character codes (the scanners compare char codes: no per-character strings).
export const TAB = 0x09, NEWLINE = 0x0a, CR = 0x0d, SPACE = 0x20, DQUOTE = 0x22, SQUOTE = 0x27, LPAREN = 0x28,
    RPAREN = 0x29, COMMA = 0x2c, COLON = 0x3a, SEMICOLON = 0x3b, LT = 0x3c, LBRACKET = 0x5b, BACKSLASH = 0x5c,
    RBRACKET = 0x5d, BACKTICK = 0x60, LBRACE = 0x7b, PIPE = 0x7c, RBRACE = 0x7d, FULLWIDTH_PIPE = 0xff5c;

/**
 * Indentation width of text[start, end) (its leading spaces and tabs), tabs to the next multiple of TAB_WIDTH;
 * `w` is the width already there (a blank cursor line's whitespace before a completion's first line).
 */
export function indentWidth(text: string, start: number, end: number, w = 0): number {
    for (let i = start; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === SPACE) w++;
        else if (c === TAB) w = w - (w % TAB_WIDTH) + TAB_WIDTH;
        else break;
    }
    return w;
}

export function firstNonBlankLineStart(text: string): number {
    for (let start = 0; start < text.length;) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        if (!isBlankRange(text, start, end)) return start;
        start = end + 1;
    }
    return -1;
}

/** Is text[start, end) empty or only spaces, tabs, "\r" and "\n"? */
export function isBlankRange(text: string, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (!isSpaceOrNewline(text.charCodeAt(i))) return false;
    return true;
}

export function lastCharCode(s: string): number {
    return s.length === 0 ? -1 : s.charCodeAt(s.length - 1);
}

export function isSpace(c: number): boolean {
    return c === SPACE || c === TAB || c === CR;
}

export function isSpaceOrNewline(c: number): boolean {
    return c === SPACE || c === TAB || c === CR || c === NEWLINE || c === 0x0b || c === 0x0c || c === 0xa0;
}

export function isIdentChar(c: number): boolean {
    const lower = c | 0x20;
    return (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a) || c === 0x5f || c === 0x24 || c > 0x7f;
}

export function isCloser(c: number): boolean {
    return c === RPAREN || c === RBRACKET || c === RBRACE;
}

export function openerOf(closer: number): number {
    return closer === RPAREN ? LPAREN : closer === RBRACKET ? LBRACKET : LBRACE;
}

/** Start of the line that ends at `end` (the index of its "\n"). */
export function startOfLineEndingAt(text: string, end: number): number {
    return end > 0 ? text.lastIndexOf("\n", end - 1) + 1 : 0;
}

export function endsWithWord(code: string, word: string): boolean {
    if (!code.endsWith(word)) return false;
    const before = code.length - word.length - 1;
    return before < 0 || !isIdentChar(code.charCodeAt(before));
}
