// The cursor's neighbourhood, read once per completion: the cursor line, the code lines around it, whether the
// document already closes a block, and the shape of lines (opens a block, ends mid-expression, closes).
// Bounded scans only (MAX_CONTEXT_LINES, MAX_CONTEXT_CHARS): this runs on every keystroke.
import {COLON, COMMA, endsWithWord, indentWidth, isBlankRange, isCloser, isIdentChar, isSpace, LBRACE, LBRACKET,
    LPAREN, MAX_CONTEXT_CHARS, MAX_CONTEXT_LINES, MAX_LINE_CHARS, PIPE, SEMICOLON, startOfLineEndingAt} from "./text";
import type {LanguageRules} from "./languages";
import {codeOf, freshState, scan, type ScanState} from "./scanner";

/** Where the completion goes. */
export type CompletionContext = {
    /** Document text before the cursor. */
    prefix: string;
    /** Document text after the cursor. */
    suffix: string;
    /** VS Code language id of the document ("typescript", "python", "go", ...). */
    languageId: string;
};

export type PostprocessOptions = {
    /** From decideMultiline (or forced by the caller): may the completion span several lines? */
    multiline: boolean;
};

export interface Cursor {
    /** Index in the prefix where the cursor line starts. */
    lineStart: number;
    /** The cursor line before the cursor (its last MAX_LINE_CHARS). */
    linePrefix: string;
    /** The cursor line after the cursor (its first MAX_LINE_CHARS, without "\r"). */
    lineSuffix: string;
    lineIsBlank: boolean;
    restIsBlank: boolean;
    /** Indentation width of the cursor line (of linePrefix when the line is blank). */
    lineIndent: number;
    /** String/comment state at the cursor, from the cursor line alone. */
    state: ScanState;
}

export function describeCursor(ctx: CompletionContext, rules: LanguageRules): Cursor {
    const {prefix, suffix} = ctx;
    const lineStart = prefix.lastIndexOf("\n") + 1;
    const linePrefix = prefix.slice(Math.max(lineStart, prefix.length - MAX_LINE_CHARS));
    let lineEnd = suffix.indexOf("\n");
    if (lineEnd === -1) lineEnd = suffix.length;
    let lineSuffix = suffix.slice(0, Math.min(lineEnd, MAX_LINE_CHARS));
    if (lineSuffix.endsWith("\r")) lineSuffix = lineSuffix.slice(0, -1);
    const state = freshState();
    scan(linePrefix, rules, state);
    return {
        lineStart, linePrefix, lineSuffix, state,
        lineIsBlank: isBlankRange(prefix, lineStart, prefix.length),
        restIsBlank: isBlankRange(lineSuffix, 0, lineSuffix.length),
        lineIndent: indentWidth(prefix, lineStart, prefix.length)
    };
}

/** The nearest non-blank line before the cursor line (its last MAX_LINE_CHARS), or undefined. */
export function previousCodeLine(prefix: string, lineStart: number): string | undefined {
    let end = lineStart - 1;   // the "\n" that ends the previous line
    for (let n = 0; end >= 0 && n < MAX_CONTEXT_LINES && lineStart - end < MAX_CONTEXT_CHARS; n++) {
        const start = startOfLineEndingAt(prefix, end);
        if (!isBlankRange(prefix, start, end)) return prefix.slice(Math.max(start, end - MAX_LINE_CHARS), end);
        end = start - 1;
    }
    return undefined;
}

/**
 * Indentation of the block that encloses code indented `indent`: the nearest line above the cursor line that
 * is indented less. -1 when there is none in range (top level): then no closing line may be added.
 */
export function enclosingIndent(prefix: string, lineStart: number, indent: number): number {
    let end = lineStart - 1;
    for (let n = 0; end >= 0 && n < MAX_CONTEXT_LINES && lineStart - end < MAX_CONTEXT_CHARS; n++) {
        const start = startOfLineEndingAt(prefix, end);
        if (!isBlankRange(prefix, start, end)) {
            const w = indentWidth(prefix, start, end);
            if (w < indent) return w;
        }
        end = start - 1;
    }
    return -1;
}

export interface SuffixLine {
    /** Trimmed text. */
    text: string;
    indent: number;
}

/** The first non-blank line after the cursor line (with `skip`, the one `skip` non-blank lines later), or undefined. */
export function nextCodeLine(suffix: string, skip = 0): SuffixLine | undefined {
    let start = suffix.indexOf("\n") + 1;
    if (start === 0) return undefined;   // the cursor is on the last line
    for (let n = 0; n < MAX_CONTEXT_LINES && start < MAX_CONTEXT_CHARS; n++) {
        let end = suffix.indexOf("\n", start);
        const last = end === -1;
        if (last) end = suffix.length;
        if (!isBlankRange(suffix, start, end) && skip-- === 0) {
            const text = suffix.slice(start, Math.min(end, start + MAX_LINE_CHARS)).trim();
            return {text, indent: indentWidth(suffix, start, end)};
        }
        if (last) return undefined;
        start = end + 1;
    }
    return undefined;
}

/**
 * Does the document already close the block whose closing line would sit at `indent`? True when the rest of the
 * cursor line starts with a closer, or when the first suffix line indented `indent` or less is, at exactly
 * `indent`, a closing line or the block's next part (`} else {`, `else:`); deeper lines are its existing body.
 * When the answer is out of range we say yes: a missing closer is easier to notice and cheaper to fix than a
 * duplicated one.
 */
export function suffixClosesBlockAt(suffix: string, lineSuffix: string, indent: number, rules: LanguageRules): boolean {
    const rest = lineSuffix.trimStart();
    if (rest.length > 0 && isCloser(rest.charCodeAt(0))) return true;
    let start = suffix.indexOf("\n") + 1;
    if (start === 0) return false;   // the cursor is on the last line: nothing closes the block
    for (let n = 0; n < MAX_CONTEXT_LINES && start < MAX_CONTEXT_CHARS; n++) {
        let end = suffix.indexOf("\n", start);
        const last = end === -1;
        if (last) end = suffix.length;
        if (!isBlankRange(suffix, start, end)) {
            const w = indentWidth(suffix, start, end);
            if (w < indent) return false;
            if (w === indent) {
                // `}`, `});`, `} else {`, `end`, `else:`: the block ends (or goes on) there already.
                const trimmed = suffix.slice(start, Math.min(end, start + MAX_LINE_CHARS)).trim();
                return isCloser(trimmed.charCodeAt(0)) || isClosingLine(trimmed, rules)
                    || continuesBlock(trimmed, rules);
            }
        }
        if (last) return false;   // reached the end of the document: not closed
        start = end + 1;
    }
    return true;   // ran out of lines to look at: assume closed
}

/** A line that only closes: `}`, `});`, `],`, `)`, or a closing word such as `end`/`fi` (trimmed input). */
export function isClosingLine(trimmed: string, rules: LanguageRules): boolean {
    let i = 0;
    if (trimmed.length > 0 && isCloser(trimmed.charCodeAt(0))) {
        i = 1;
    } else {
        const word = rules.closingWords.find((w) => trimmed.startsWith(w));
        if (word === undefined || isIdentChar(trimmed.charCodeAt(word.length))) return false;
        i = word.length;
    }
    for (; i < trimmed.length; i++) {
        const c = trimmed.charCodeAt(i);
        if (!isCloser(c) && c !== SEMICOLON && c !== COMMA && !isSpace(c)) return false;
    }
    return true;
}

/** Does this line (its code, without a trailing comment) end by opening a block? */
export function opensBlock(line: string, rules: LanguageRules): boolean {
    const code = codeOf(line, rules);
    const last = code.charCodeAt(code.length - 1);
    if (last === LBRACE || last === LPAREN || last === LBRACKET) return true;
    if (code.endsWith("=>")) return true;
    if (last === COLON) {
        if (rules.colonOpensBlock) return true;
        const start = code.trimStart();
        return start.startsWith("case ") || start === "default:";   // switch labels
    }
    if (endsWithWord(code, "do") || endsWithWord(code, "then")) return true;
    // Ruby/Elixir block parameters: `items.each do |item|`
    if (last === PIPE) {
        const open = code.lastIndexOf("|", code.length - 2);
        return open > 0 && endsWithWord(code.slice(0, open).trimEnd(), "do");
    }
    return false;
}

/** Does this line end in the middle of an expression, so that its next line continues it? */
export function endsMidExpression(line: string, rules: LanguageRules): boolean {
    const code = codeOf(line, rules);
    if (code.length === 0) return false;
    if (code.endsWith("++") || code.endsWith("--") || code.endsWith("*/")) return false;   // complete statements
    const last = code[code.length - 1];
    if ("=+-*/%&|^?,.\\<".includes(last)) return true;
    if (last === ":" && !rules.colonOpensBlock) return true;   // `key:` or the `:` of a ternary
    return endsWithWord(code, "and") || endsWithWord(code, "or") || endsWithWord(code, "not")
        || endsWithWord(code, "in");
}

/** Words that carry a block on (`else`, `except`, ...), at the start of a line at the block's indentation. */
export const CONTINUATION_WORDS = ["else", "elif", "elsif", "elseif", "except", "catch", "finally", "rescue", "ensure"];

/** Does this (trimmed) line close a block and open its next part: `} else {`, `} catch (e) {`, `else:`? */
export function continuesBlock(trimmed: string, rules: LanguageRules): boolean {
    if (isCloser(trimmed.charCodeAt(0))) return opensBlock(trimmed, rules);
    return CONTINUATION_WORDS.some((w) => trimmed.startsWith(w) && !isIdentChar(trimmed.charCodeAt(w.length)));
}

/**
 * Is this completion line the suffix's next line again? Same trimmed text, and either the same indentation or
 * a line with a name in it: a bare `}` elsewhere is usually a different block's end.
 */
export function repeatsLine(line: string, indent: number, next: SuffixLine): boolean {
    // Compare the trimmed line in place: this runs for every line of a multi-line completion.
    let start = 0;
    while (start < line.length && isSpace(line.charCodeAt(start))) start++;
    let end = line.length;
    while (end > start && isSpace(line.charCodeAt(end - 1))) end--;
    if (end - start !== next.text.length || !line.startsWith(next.text, start)) return false;
    if (indent === next.indent) return true;
    for (let i = start; i < end; i++) if (isIdentChar(line.charCodeAt(i))) return true;
    return false;
}
