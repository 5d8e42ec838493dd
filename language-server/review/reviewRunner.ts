// gemma/review: reviews a document (or a range of it) chunk by chunk with schema-constrained output (a grammar on
// the local engine and on llama-server, `response_format` elsewhere, validated and retried where a server cannot
// constrain), so the answer parses, and validates every line reference against the text that was reviewed.
import {ResponseError} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {ErrorCodes, Range, ReviewComment, ReviewRequest, ReviewSeverity} from "../../protocol/lsp";
import type {Logger} from "../log";
import type {ModelSession} from "../engine/engine";
import {chunkLines, LineSpan} from "./chunking";
import {parseReviewOutput, RawReviewComment, REVIEW_SEVERITIES, reviewSchema} from "./reviewSchema";
import {isEnglish, isNonLatinLanguage, languageInstruction} from "../tasks/language";

const CHUNK_TOKENS = 1200;
const OUTPUT_TOKENS = 384;
/** Tokens of a Hindi/Bengali review comment ÷ tokens of the same comment in English, rounded up (measured). */
export const NON_LATIN_TOKEN_FACTOR = 2;

export interface ReviewOutcome {
    comments: ReviewComment[];
    reviewedLines: LineSpan;
    chunks: number;
    dropped: number;
    note?: string;
}

/** Rejects input that cannot be reviewed with a clear message; returns the line span to review. */
export function reviewSpan(doc: TextDocument, range: Range | undefined): LineSpan {
    const text = doc.getText();
    if (looksBinary(text)) {
        throw new ResponseError(ErrorCodes.InvalidInput, `${doc.uri} looks like a binary file; Gemma reviews text only.`);
    }
    if (!range) return {start: 0, end: doc.lineCount};
    const start = range.start?.line, end = range.end?.line;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || start >= doc.lineCount) {
        throw new ResponseError(ErrorCodes.InvalidInput, `Range ${JSON.stringify(range)} is outside ${doc.uri} (${doc.lineCount} lines).`);
    }
    // A selection ending at column 0 of a line does not include that line.
    const endExclusive = range.end.character === 0 && end > start ? end : end + 1;
    return {start, end: Math.min(endExclusive, doc.lineCount)};
}

/** The document to review: the open one, or the same document with `text` (another version of it) when given. */
export function reviewedVersion(doc: TextDocument, text: unknown): TextDocument {
    if (text === undefined || text === null) return doc;
    if (typeof text !== "string") throw new ResponseError(ErrorCodes.InvalidInput, `${ReviewRequest.method}: \`text\` must be a string.`);
    return TextDocument.create(doc.uri, doc.languageId, doc.version, text);
}

export function looksBinary(text: string): boolean {
    const sample = text.slice(0, 8192);
    if (sample.includes("\u0000")) return true;
    let control = 0;
    for (let i = 0; i < sample.length; i++) {
        const c = sample.charCodeAt(i);
        if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) control++;
    }
    return sample.length > 0 && control / sample.length > 0.1;
}

export async function runReview(session: ModelSession, doc: TextDocument, range: Range | undefined, maxLines: number,
                                signal: AbortSignal, log: Logger, responseLanguage?: string): Promise<ReviewOutcome> {
    // The same comments in Hindi or Bengali take about NON_LATIN_TOKEN_FACTOR times the tokens of English (measured
    // with Gemma's tokenizer, test/real/language.test.ts): the budget grows with them, so they are not cut sooner.
    const outputTokens = isNonLatinLanguage(responseLanguage) ? Math.ceil(OUTPUT_TOKENS * NON_LATIN_TOKEN_FACTOR) : OUTPUT_TOKENS;
    const span = reviewSpan(doc, range);
    const lines = doc.getText().split(/\r\n|\r|\n/);
    let note: string | undefined;
    // Long files: review the first maxLines and say so, rather than keep the GPU busy for minutes unasked.
    if (span.end - span.start > maxLines) {
        note = `Reviewed lines ${span.start + 1}–${span.start + maxLines} of ${doc.lineCount}; select a range to review the rest.`;
        span.end = span.start + maxLines;
    }
    if (lines.slice(span.start, span.end).every((l) => l.trim() === "")) {
        return {comments: [], reviewedLines: span, chunks: 0, dropped: 0, note: note ?? "Nothing to review: the file is empty."};
    }
    const count = (s: string) => session.countTokens(s);
    const chunks = chunkLines(lines, span, CHUNK_TOKENS, count);
    const comments: ReviewComment[] = [];
    let dropped = 0;
    let done = 0;
    for (const chunk of chunks) {
        if (signal.aborted) break;
        const reply = await session.generateJson([{role: "user", content: reviewPrompt(doc.languageId, lines, chunk, responseLanguage)}],
            reviewSchema(chunk.start + 1, chunk.end), {signal, maxTokens: outputTokens, language: responseLanguage});
        if (signal.aborted) break;
        log.debug(`review chunk ${chunk.start + 1}-${chunk.end}: ${reply.promptTokens} prompt tokens, ${reply.generatedTokens} generated `
            + `in ${Math.round(reply.prefillMs)} + ${Math.round(reply.generateMs)} ms: ${JSON.stringify(reply.text.slice(0, 200))}`);
        const parsed = parseReviewOutput(reply.text);
        if (parsed.repaired) log.info(`review: output of lines ${chunk.start + 1}-${chunk.end} was cut at ${outputTokens} tokens; kept the complete comments`);
        for (const raw of parsed.comments) {
            const c = validateComment(raw, chunk, lines);
            if (c) comments.push(c);
            else dropped++;
        }
        done++;
    }
    if (dropped) {
        log.info(`review: dropped ${dropped} comment(s) with invalid or out-of-range line references`);
        note = [note, `${dropped} comment${dropped === 1 ? "" : "s"} from Gemma named lines outside the reviewed code and `
            + `${dropped === 1 ? "was" : "were"} left out${comments.length ? "" : "; try again, or select less code"}.`].filter(Boolean).join(" ");
    }
    return {comments, reviewedLines: span, chunks: done, dropped, note};
}

export function reviewPrompt(languageId: string, lines: string[], chunk: LineSpan, responseLanguage?: string): string {
    const width = String(chunk.end).length;
    const numbered = lines.slice(chunk.start, chunk.end)
        .map((l, i) => `${String(chunk.start + i + 1).padStart(width)}| ${l}`).join("\n");
    return `Review this ${languageId} code for bugs, security problems and clear mistakes. Ignore style nits. `
        + "For each problem give the 1-based line (and endLine) from the numbers on the left, a severity, a one-sentence "
        + "message, and in suggestion the corrected text of those lines (\"\" if no concrete fix). "
        + "Return no comments if the code is fine."
        // Not followed by "the JSON keys stay as they are": Gemma 3 270M copied that sentence as its messages.
        + (isEnglish(responseLanguage) ? "" : ` ${languageInstruction(responseLanguage, "each message")}`)
        + "\n\n```" + languageId + "\n" + numbered + "\n```";
}

/** A comment whose lines exist in the reviewed chunk, with a real message; undefined otherwise. */
export function validateComment(raw: RawReviewComment, chunk: LineSpan, lines: string[]): ReviewComment | undefined {
    const line = raw.line, endLine = raw.endLine ?? raw.line;
    if (!Number.isInteger(line) || !Number.isInteger(endLine)) return undefined;
    const first = (line as number) - 1, last = (endLine as number) - 1;
    if (first < chunk.start || first >= chunk.end || last < first || last >= chunk.end) return undefined;
    const message = typeof raw.message === "string" ? raw.message.trim() : "";
    if (!message) return undefined;
    const severity: ReviewSeverity = REVIEW_SEVERITIES.includes(raw.severity as ReviewSeverity) ? raw.severity as ReviewSeverity : "warning";
    const comment: ReviewComment = {
        range: {start: {line: first, character: 0}, end: {line: last, character: lines[last].length}},
        severity,
        message
    };
    if (typeof raw.suggestion === "string" && raw.suggestion.trim() && raw.suggestion !== lines.slice(first, last + 1).join("\n")) {
        comment.suggestion = {newText: raw.suggestion};
    }
    return comment;
}
