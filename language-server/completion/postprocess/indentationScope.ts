// Filter: indentation scope. A multi-line suggestion keeps only the lines that stay in the cursor's block.
import {indentWidth, isBlankRange, isIdentChar} from "./text";
import type {LanguageRules} from "./languages";
import {type CompletionContext, continuesBlock, type Cursor, enclosingIndent, isClosingLine, nextCodeLine,
    opensBlock, repeatsLine, suffixClosesBlockAt} from "./context";

/** Multi-line mode: the lines of the completion that stay in the cursor's block (see step 2). */
export function selectBlockLines(text: string, cursor: Cursor, ctx: CompletionContext, rules: LanguageRules): string[] {
    const lines: string[] = [];
    const next = nextCodeLine(ctx.suffix);
    const scope: Scope = {minIndent: 0, closerIndent: -1, unitIndent: -1, unitFromCursor: false, closing: false};
    let start = 0;
    if (!cursor.lineIsBlank) {
        // The first line finishes the cursor line; what follows depends on how that line ends.
        let end = text.indexOf("\n");
        if (end === -1) end = text.length;
        const first = text.slice(0, end);
        lines.push(first);
        if (end === text.length) return lines;
        start = end + 1;
        scope.minIndent = cursor.lineIndent;
        if (opensBlock(cursor.linePrefix + first, rules)) {
            scope.unitIndent = cursor.lineIndent;
            scope.unitFromCursor = true;
        } else if (opensBlock(cursor.linePrefix, rules)) {
            // The block the cursor line opened was filled on that line (`=> x * 2;`): only deeper lines go on.
            scope.minIndent = cursor.lineIndent + 1;
        } else {
            scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, cursor.lineIndent);
        }
    } else {
        scope.minIndent = firstCodeIndent(text, cursor.lineIndent);
        scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, scope.minIndent);
    }

    let seenCode = false;
    for (let first = lines.length === 0; start <= text.length; first = false) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        const line = text.slice(start, end);
        start = end + 1;
        if (isBlankRange(line, 0, line.length)) {
            lines.push("");
            continue;
        }
        // On a blank cursor line the first line is appended to the cursor line's whitespace.
        const indent = indentWidth(line, 0, line.length, first ? cursor.lineIndent : 0);
        if (next && repeatsLine(line, indent, next) && !coincides(line, text, start, ctx.suffix)) break;
        if (!seenCode && cursor.lineIsBlank) {
            // The first code line on a blank cursor line sets the block's indentation (scope.minIndent); when
            // it opens a block itself (`for ... {`, `def f():`), the completion ends with that block.
            seenCode = true;
            if (opensBlock(line, rules)) scope.unitIndent = indent;
            lines.push(line);
            continue;
        }
        const verdict = placeLine(line, indent, scope, ctx, cursor, rules);
        if (verdict !== "drop") lines.push(line);
        if (verdict !== "keep") break;
    }
    while (lines.length > 1 && isBlankRange(lines[lines.length - 1], 0, lines[lines.length - 1].length)) lines.pop();
    return lines;
}

/**
 * A line that repeats the suffix's next line is the model re-typing the code below the cursor, except when the line
 * is only punctuation (`"""`, `}`, `]`) and the completion goes on differently from the suffix: then the same
 * characters do another job (the `"""` that opens a docstring above the suffix's `"""` that closes it). A closing
 * line let through here is still left to the document by placeLine where the suffix closes that block. `from`:
 * where the completion's next line starts.
 */
function coincides(line: string, text: string, from: number, suffix: string): boolean {
    for (let i = 0; i < line.length; i++) if (isIdentChar(line.charCodeAt(i))) return false;
    while (from < text.length) {
        let end = text.indexOf("\n", from);
        if (end === -1) end = text.length;
        if (!isBlankRange(text, from, end)) {
            const after = nextCodeLine(suffix, 1);
            return after === undefined || text.slice(from, end).trim() !== after.text;
        }
        from = end + 1;
    }
    return false;   // the completion ends there: re-typed, as far as anyone can tell
}

export interface Scope {
    /** Lines indented less end the completion (but see closerIndent). */
    minIndent: number;
    /** Indentation of the enclosing block's line, whose closing line may end the completion; -1: none. */
    closerIndent: number;
    /** Indentation of the line that opened the completion's block unit; -1 when there is none. */
    unitIndent: number;
    /** The unit was opened by the cursor line, so the document may already close it. */
    unitFromCursor: boolean;
    /** The enclosing block's closing line was kept: only closing lines of the blocks around it may follow. */
    closing: boolean;
}

/**
 * Where does a line (after the first) stand in the scope? "keep": in the block; "last": kept, and it ends the
 * completion (a closing line); "drop": it ends the completion and is not part of it.
 * - After the enclosing block's closing line only closing lines go on, each of the next enclosing block out (at its
 *   indentation) and only where the document does not close that block either (`}` `}`, `};` `}`: the model
 *   finishing several blocks the document leaves open); any other line ends the completion.
 * - A line at the unit's indentation: its closing line (`}`, `end`) is the last one (left to the document when
 *   the unit is the cursor line's and the suffix already closes it there); a continuation (`} else {`,
 *   `elif x:`, `except E:`) keeps the unit going, unless the document already closes the cursor's block; any
 *   other line is a new statement after the unit and is dropped.
 * - A line indented less than the block, at the enclosing block's indentation, where the document neither closes
 *   nor continues that block: its closing line is kept (see the first rule), and so is its continuation (`else:`,
 *   `except E:`, `} else {`), which makes the enclosing block the unit: the completion goes on with that part's
 *   body and ends with it. Any other line indented less than the block is dropped.
 */
export function placeLine(line: string, indent: number, scope: Scope, ctx: CompletionContext, cursor: Cursor,
    rules: LanguageRules): "keep" | "last" | "drop" {
    const open = () => indent === scope.closerIndent
        && !suffixClosesBlockAt(ctx.suffix, cursor.lineSuffix, scope.closerIndent, rules);
    if (scope.closing) return open() && isClosingLine(line.trim(), rules) ? closeEnclosing(scope, ctx, cursor) : "drop";
    if (indent === scope.unitIndent) {
        const trimmed = line.trim();
        const documentCloses = scope.unitFromCursor
            && suffixClosesBlockAt(ctx.suffix, cursor.lineSuffix, scope.unitIndent, rules);
        if (isClosingLine(trimmed, rules)) return documentCloses ? "drop" : "last";
        return continuesBlock(trimmed, rules) && !documentCloses ? "keep" : "drop";
    }
    if (indent < scope.minIndent) {
        if (!open()) return "drop";
        const trimmed = line.trim();
        if (isClosingLine(trimmed, rules)) return closeEnclosing(scope, ctx, cursor);
        if (!continuesBlock(trimmed, rules)) return "drop";
        scope.unitIndent = scope.closerIndent;
        scope.unitFromCursor = false;
        scope.minIndent = scope.closerIndent + 1;
        scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, scope.closerIndent);
        return "keep";
    }
    return "keep";
}

/** The enclosing block's closing line was kept: from now on only the next block out may be closed (placeLine). */
function closeEnclosing(scope: Scope, ctx: CompletionContext, cursor: Cursor): "keep" | "last" {
    scope.closing = true;
    scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, scope.closerIndent);
    return scope.closerIndent < 0 ? "last" : "keep";
}

/** Indentation of the completion's first non-blank line, its first line counted after the cursor's whitespace. */
export function firstCodeIndent(text: string, cursorIndent: number): number {
    for (let start = 0, first = true; start < text.length; first = false) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        if (!isBlankRange(text, start, end)) return indentWidth(text, start, end, first ? cursorIndent : 0);
        start = end + 1;
    }
    return 0;
}
