// Pure text helpers for applying a code block to a document (no vscode import: unit-tested).

/**
 * The smallest single replacement turning `before` into `after`: offsets into `before` and the new text.
 * Replacing only what changed keeps the cursor, folding and breakpoints of the untouched lines.
 */
export function minimalReplacement(before: string, after: string): {start: number; end: number; text: string} {
    let start = 0;
    const max = Math.min(before.length, after.length);
    while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
    let tail = 0;
    while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) {
        tail++;
    }
    // Never split a surrogate pair or a CRLF between the kept and replaced parts.
    while (start > 0 && isLowHalfOrLf(before, start)) start--;
    while (tail > 0 && isLowHalfOrLf(before, before.length - tail)) tail--;
    return {start, end: before.length - tail, text: after.slice(start, after.length - tail)};
}

function isLowHalfOrLf(s: string, i: number) {
    const c = s.charCodeAt(i);
    return (c >= 0xdc00 && c <= 0xdfff) || (c === 10 && s.charCodeAt(i - 1) === 13);
}

/**
 * A fenced code block always ends with a newline. Keep it only where the replaced text ended with one (or, for
 * an insertion, where the cursor is at the start of a line), so inserting into a line does not break it.
 */
export function fitTrailingNewline(code: string, endsLine: boolean): string {
    if (endsLine) return code.endsWith("\n") ? code : `${code}\n`;
    return code.replace(/\r?\n$/, "");
}

/** `text` with the document's end-of-line sequence (models write \n; a CRLF file should stay CRLF). */
export function withEol(text: string, eol: "\n" | "\r\n"): string {
    return eol === "\n" ? text.replace(/\r\n/g, "\n") : text.replace(/\r?\n/g, "\r\n");
}
