// Filter: whitespace. Line endings, indentation the model re-typed, a doubled space after the cursor, trailing
// whitespace.
import {indentWidth, isBlankRange, isSpace, lastCharCode} from "./text";
import type {LanguageRules} from "./languages";
import {type Cursor, opensBlock, previousCodeLine} from "./context";

/** "\r\n" and a lone "\r" become "\n". */
export function normalizeLineEnds(text: string): string {
    return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/**
 * On a blank, already indented cursor line, a model that writes whole lines (chat-style prompts) repeats the
 * cursor line's indentation: "    return 1;" after "    ". When the completion starts with exactly the cursor
 * line's whitespace and the cursor is already at the block's indentation (the previous code line is indented
 * less, or as much without opening a block), that repeated indentation is dropped. When the previous line opens
 * a block at the cursor's column or deeper, the extra indentation is the block's and is kept.
 */
export function dropRetypedIndentation(text: string, cursor: Cursor, prefix: string, rules: LanguageRules): string {
    const ws = cursor.linePrefix;
    if (!cursor.lineIsBlank || ws.length === 0 || !text.startsWith(ws) || isBlankRange(text, 0, ws.length + 1)) {
        return text;
    }
    const previous = previousCodeLine(prefix, cursor.lineStart);
    if (previous === undefined) return text;
    const previousIndent = indentWidth(previous, 0, previous.length);
    const atBlockIndent = previousIndent < cursor.lineIndent
        || (previousIndent === cursor.lineIndent && !opensBlock(previous, rules));
    return atBlockIndent ? text.slice(ws.length) : text;
}

/** A leading space of the first line is dropped when the cursor already follows a space (on a non-blank line). */
export function dropDoubledSpace(lines: string[], cursor: Cursor): void {
    if (!cursor.lineIsBlank && isSpace(lastCharCode(cursor.linePrefix)) && lines[0].length > 0) {
        lines[0] = lines[0].trimStart();
    }
}

/** Joins lines, trimming trailing whitespace of each (of the last one only when nothing follows the cursor). */
export function joinTrimmed(lines: string[], trimLast: boolean): string {
    let out = "";
    for (let i = 0; i < lines.length; i++) {
        const line = i < lines.length - 1 || trimLast ? lines[i].trimEnd() : lines[i];
        out += i === 0 ? line : "\n" + line;
    }
    return out;
}
