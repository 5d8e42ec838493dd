// The JSON schema the review output is constrained to (node-llama-cpp turns it into a grammar, so the model
// cannot write anything else), and the repair for output cut off by the token limit: the grammar guarantees a
// valid JSON *prefix*, so we keep the complete comments and close the brackets ourselves.
export const REVIEW_SEVERITIES = ["error", "warning", "information", "hint"] as const;

/**
 * The schema for reviewing lines first..last (1-based): line numbers are an enum of exactly those lines, so the
 * model cannot point outside the code it was shown (validation still checks order and the document).
 */
export function reviewSchema(first: number, last: number) {
    const lines: number[] = [];
    for (let n = first; n <= last; n++) lines.push(n);
    return commentsSchema({
        line: {enum: lines},
        endLine: {enum: lines},
        severity: {enum: REVIEW_SEVERITIES},
        message: {type: "string", maxLength: 200},
        // Replacement text for lines line..endLine; "" when there is no concrete fix.
        suggestion: {type: "string", maxLength: 300}
    } as const, ["line", "endLine", "severity", "message", "suggestion"] as const);
}

/**
 * `{"comments": [...]}` with at most 6 comments of these properties, each required and no other: node-llama-cpp's
 * grammars require every property and allow no other; the schema says so for the JSON schema engines of inference
 * servers too (llama-server, vLLM), which follow the spec's defaults.
 */
function commentsSchema<P extends Record<string, object>, R extends readonly string[]>(properties: P, required: R) {
    return {
        type: "object",
        properties: {
            comments: {
                type: "array",
                maxItems: 6,
                items: {type: "object", properties, required, additionalProperties: false}
            }
        },
        required: ["comments"],
        additionalProperties: false
    } as const;
}

/** Longest quoted line (characters) a comment may name its line by; a longer line is named by its start. */
export const QUOTE_CHARS = 160;

/**
 * The lines of a chunk as a comment may quote them to name its line (ReviewStyle.pointBy "quote"): each line's
 * text without its indentation, cut at QUOTE_CHARS, once; lines without a letter or digit (a lone brace) are left
 * out while others remain.
 */
export function quotableLines(lines: string[]): string[] {
    const quotes = [...new Set(lines.map((l) => l.trim().slice(0, QUOTE_CHARS)).filter((l) => l.length > 0))];
    const worded = quotes.filter((q) => /[\p{L}\p{N}]/u.test(q));
    return worded.length ? worded : quotes;
}

/**
 * The schema for a comment that names its line by quoting it: `code` is an enum of the chunk's quotable lines, so
 * the model copies a line that exists instead of choosing a number first (a base model numbered its comments 1,
 * 2, 3…); the runner maps the quote back to the line. `order` is the order of the properties, which is the order
 * the grammar makes the model write them in.
 */
export function reviewQuoteSchema(quotes: string[], order: readonly string[] = QUOTE_ORDER) {
    const all: Record<string, object> = {
        code: {enum: quotes},
        severity: {enum: REVIEW_SEVERITIES},
        message: {type: "string", maxLength: 200},
        suggestion: {type: "string", maxLength: 300}
    };
    return commentsSchema(Object.fromEntries(order.map((k) => [k, all[k]])), [...order]);
}
export const QUOTE_ORDER = ["code", "message", "severity", "suggestion"] as const;

export interface RawReviewComment {
    /** The quoted line (reviewQuoteSchema), mapped to `line` by the runner. */
    code?: unknown;
    line: unknown;
    endLine?: unknown;
    severity: unknown;
    message: unknown;
    suggestion?: unknown;
}

/** Parses grammar-constrained output, repairing a truncated tail. Never throws. */
export function parseReviewOutput(text: string): {comments: RawReviewComment[]; repaired: boolean} {
    try {
        const parsed = JSON.parse(text) as {comments?: unknown};
        return {comments: Array.isArray(parsed.comments) ? parsed.comments as RawReviewComment[] : [], repaired: false};
    } catch {
        const cut = lastCompleteItemEnd(text);
        const closed = cut > 0 ? `${text.slice(0, cut)}]}` : `{"comments":[]}`;
        try {
            const parsed = JSON.parse(closed) as {comments?: unknown};
            return {comments: Array.isArray(parsed.comments) ? parsed.comments as RawReviewComment[] : [], repaired: true};
        } catch {
            return {comments: [], repaired: true};
        }
    }
}

/** Offset just after the last `}` that closes an object directly inside the top-level array, or -1. */
function lastCompleteItemEnd(text: string): number {
    let depth = 0;
    let inString = false;
    let escaped = false;
    let end = -1;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (inString) {
            if (escaped) escaped = false;
            else if (ch === "\\") escaped = true;
            else if (ch === "\"") inString = false;
            continue;
        }
        if (ch === "\"") inString = true;
        else if (ch === "{" || ch === "[") depth++;
        else if (ch === "}" || ch === "]") {
            depth--;
            // {"comments": [ {…} ← depth 3 closes back to 2
            if (ch === "}" && depth === 2) end = i + 1;
        }
    }
    return end;
}
