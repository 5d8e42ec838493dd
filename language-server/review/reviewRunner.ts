// gemma/review: reviews a document (or a range of it) chunk by chunk with schema-constrained output (a grammar on
// the local engine and on llama-server, `response_format` elsewhere, validated and retried where a server cannot
// constrain), so the answer parses, and validates every line reference against the text that was reviewed.
import {ResponseError} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {ErrorCodes, Range, ReviewComment, ReviewRequest, ReviewSeverity} from "../../protocol/lsp";
import type {Logger} from "../log";
import * as l10n from "../l10n";
import type {ChatTurn, ModelIdentity, ModelSession} from "../engine/engine";
import {chunkLines, LineSpan} from "./chunking";
import {
    parseReviewOutput, QUOTE_CHARS, QUOTE_ORDER, quotableLines, RawReviewComment, REVIEW_SEVERITIES, reviewQuoteSchema, reviewSchema
} from "./reviewSchema";
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
        throw new ResponseError(ErrorCodes.InvalidInput, l10n.t("{0} looks like a binary file; Gemma reviews text only.", doc.uri));
    }
    if (!range) return {start: 0, end: doc.lineCount};
    const start = range.start?.line, end = range.end?.line;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || start >= doc.lineCount) {
        throw new ResponseError(ErrorCodes.InvalidInput, l10n.t("Range {0} is outside {1} ({2} lines).", JSON.stringify(range), doc.uri, doc.lineCount));
    }
    // A selection ending at column 0 of a line does not include that line.
    const endExclusive = range.end.character === 0 && end > start ? end : end + 1;
    return {start, end: Math.min(endExclusive, doc.lineCount)};
}

/** The document to review: the open one, or the same document with `text` (another version of it) when given. */
export function reviewedVersion(doc: TextDocument, text: unknown): TextDocument {
    if (text === undefined || text === null) return doc;
    // l10n-ignore: a protocol error of a client, for its developer
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

/** How a review asks the model (bench/run-review-prompts.ts measures the styles). */
export interface ReviewStyle {
    /** Worked reviews shown as earlier turns of the conversation, in this order (REVIEW_EXAMPLES). */
    examples: readonly ReviewExampleName[];
    /** How a comment names its line: a number from the chunk's line numbers, or a quote of the line's code. */
    pointBy: "number" | "quote";
    /** The order of a comment's properties, which the grammar makes the model write in ("quote" only). */
    order?: readonly string[];
}

/** Models with a chat template (instruction-tuned, e.g. Gemma 2 9B it): the prompt alone, comments by line number. */
export const TEMPLATE_REVIEW_STYLE: ReviewStyle = {examples: [], pointBy: "number"};
/** Models without one (base models, e.g. the Gemma 3 270M on PyPI): chosen by measurement (README "Review prompt"). */
export const BASE_REVIEW_STYLE: ReviewStyle = {examples: ["percent", "greet", "countEven"], pointBy: "quote"};

export function reviewStyleFor(identity: ModelIdentity | undefined): ReviewStyle {
    return identity?.hasChatTemplate === false ? BASE_REVIEW_STYLE : TEMPLATE_REVIEW_STYLE;
}

export async function runReview(session: ModelSession, doc: TextDocument, range: Range | undefined, maxLines: number,
                                signal: AbortSignal, log: Logger, responseLanguage?: string,
                                style: ReviewStyle = reviewStyleFor(session.identity)): Promise<ReviewOutcome> {
    // The same comments in Hindi or Bengali take about NON_LATIN_TOKEN_FACTOR times the tokens of English (measured
    // with Gemma's tokenizer, test/real/language.test.ts): the budget grows with them, so they are not cut sooner.
    const outputTokens = isNonLatinLanguage(responseLanguage) ? Math.ceil(OUTPUT_TOKENS * NON_LATIN_TOKEN_FACTOR) : OUTPUT_TOKENS;
    const span = reviewSpan(doc, range);
    const lines = doc.getText().split(/\r\n|\r|\n/);
    let note: string | undefined;
    // Long files: review the first maxLines and say so, rather than keep the GPU busy for minutes unasked.
    if (span.end - span.start > maxLines) {
        note = l10n.t("Reviewed lines {0}–{1} of {2}; select a range to review the rest.", span.start + 1, span.start + maxLines, doc.lineCount);
        span.end = span.start + maxLines;
    }
    if (lines.slice(span.start, span.end).every((l) => l.trim() === "")) {
        return {comments: [], reviewedLines: span, chunks: 0, dropped: 0, note: note ?? l10n.t("Nothing to review: the file is empty.")};
    }
    const count = (s: string) => session.countTokens(s);
    const chunks = chunkLines(lines, span, CHUNK_TOKENS, count);
    const comments: ReviewComment[] = [];
    let dropped = 0;
    let done = 0;
    for (const chunk of chunks) {
        if (signal.aborted) break;
        const quotes = style.pointBy === "quote" ? quotableLines(lines.slice(chunk.start, chunk.end)) : [];
        const schema = style.pointBy === "quote" ? reviewQuoteSchema(quotes, style.order) : reviewSchema(chunk.start + 1, chunk.end);
        const turns: ChatTurn[] = [...reviewExamples(style), {role: "user", content: reviewPrompt(doc.languageId, lines, chunk, responseLanguage, style.pointBy)}];
        const reply = await session.generateJson(turns, schema, {signal, maxTokens: outputTokens, language: responseLanguage});
        if (signal.aborted) break;
        log.debug(`review chunk ${chunk.start + 1}-${chunk.end}: ${reply.promptTokens} prompt tokens, ${reply.generatedTokens} generated `
            + `in ${Math.round(reply.prefillMs)} + ${Math.round(reply.generateMs)} ms: ${JSON.stringify(reply.text.slice(0, 200))}`);
        const parsed = parseReviewOutput(reply.text);
        if (parsed.repaired) log.info(`review: output of lines ${chunk.start + 1}-${chunk.end} was cut at ${outputTokens} tokens; kept the complete comments`);
        for (const raw of parsed.comments) {
            const c = validateComment(style.pointBy === "quote" ? quotedLine(raw, chunk, lines) : raw, chunk, lines);
            if (!c) dropped++;
            // A small model may write the same comment again until the array is full: it is shown once.
            else if (!comments.some((o) => o.message === c.message && o.range.start.line === c.range.start.line && o.range.end.line === c.range.end.line)) {
                comments.push(c);
            }
        }
        done++;
    }
    if (dropped) {
        log.info(`review: dropped ${dropped} comment(s) with invalid or out-of-range line references`);
        const left = comments.length
            ? dropped === 1 ? l10n.t("{0} comment from Gemma named lines outside the reviewed code and was left out.", dropped)
                : l10n.t("{0} comments from Gemma named lines outside the reviewed code and were left out.", dropped)
            : dropped === 1 ? l10n.t("{0} comment from Gemma named lines outside the reviewed code and was left out; try again, or select less code.", dropped)
                : l10n.t("{0} comments from Gemma named lines outside the reviewed code and were left out; try again, or select less code.", dropped);
        // Sentences joined by a space: each is a message of its own (l10n.ts translates them one by one).
        note = [note, left].filter(Boolean).join(" ");
    }
    return {comments, reviewedLines: span, chunks: done, dropped, note};
}

export function reviewPrompt(languageId: string, lines: string[], chunk: LineSpan, responseLanguage?: string,
                             pointBy: ReviewStyle["pointBy"] = "number"): string {
    const width = String(chunk.end).length;
    const code = pointBy === "quote" ? lines.slice(chunk.start, chunk.end).join("\n") : lines.slice(chunk.start, chunk.end)
        .map((l, i) => `${String(chunk.start + i + 1).padStart(width)}| ${l}`).join("\n");
    const where = pointBy === "quote"
        ? "For each problem copy its line of code into code, give a one-sentence message saying what is wrong, a severity, "
            + "and in suggestion the corrected line (\"\" if no concrete fix). "
        : "For each problem give the 1-based line (and endLine) from the numbers on the left, a severity, a one-sentence "
            + "message, and in suggestion the corrected text of those lines (\"\" if no concrete fix). ";
    return `Review this ${languageId} code for bugs, security problems and clear mistakes. Ignore style nits. `
        + where
        + "Return no comments if the code is fine."
        // Not followed by "the JSON keys stay as they are": Gemma 3 270M copied that sentence as its messages.
        + (isEnglish(responseLanguage) ? "" : ` ${languageInstruction(responseLanguage, "each message")}`)
        + "\n\n```" + languageId + "\n" + code + "\n```";
}

/** A quoting comment (reviewQuoteSchema) with the 1-based line it quotes as line and endLine; the first such line. */
export function quotedLine(raw: RawReviewComment, chunk: LineSpan, lines: string[]): RawReviewComment {
    if (typeof raw.code !== "string" || !raw.code) return {...raw, line: undefined};
    for (let i = chunk.start; i < chunk.end; i++) {
        if (lines[i].trim().slice(0, QUOTE_CHARS) === raw.code) return {...raw, line: i + 1, endLine: i + 1};
    }
    return {...raw, line: undefined};
}

interface ReviewExample {
    languageId: string;
    lines: string[];
    /** The comment a reviewer writes: its 1-based line and what it says; none for a clean file. */
    comment?: {line: number; severity: string; message: string; suggestion: string};
}

/** Small files with an obvious bug, and a clean one, reviewed as a model should (ReviewStyle.examples). */
export const REVIEW_EXAMPLES = {
    // The bugs are on a middle line, not the last: a model shown only last-line bugs commented on last lines.
    percent: {languageId: "javascript", lines: [
        "// Returns what percent part is of whole, rounded.",
        "function percent(part, whole) {",
        "  const ratio = whole / part;",
        "  return Math.round(ratio * 100);",
        "}"], comment: {line: 3, severity: "error",
        // l10n-ignore: a worked example for the model, in its prompt
        message: "Divides whole by part: the share of part in whole is part / whole.", suggestion: "  const ratio = part / whole;"}},
    countEven: {languageId: "python", lines: [
        "def count_even(numbers):",
        "    \"\"\"Counts the even numbers in a list.\"\"\"",
        "    count = 0",
        "    for n in numbers:",
        "        if n % 2 == 1:",
        "            count += 1",
        "    return count"], comment: {line: 5, severity: "error",
        // l10n-ignore: a worked example for the model, in its prompt
        message: "n % 2 == 1 holds for odd numbers, so this counts the odd ones; an even n has n % 2 == 0.", suggestion: "        if n % 2 == 0:"}},
    greet: {languageId: "python", lines: [
        "def greet(name):",
        "    \"\"\"Returns a greeting for name.\"\"\"",
        "    return \"Hello, \" + name + \"!\""]}
} satisfies Record<string, ReviewExample>;
export type ReviewExampleName = keyof typeof REVIEW_EXAMPLES;

/** The example turns of a style: each example's review request (the same prompt) and the answer in its schema. */
export function reviewExamples(style: ReviewStyle): ChatTurn[] {
    const order = style.pointBy === "quote" ? style.order ?? QUOTE_ORDER : ["line", "endLine", "severity", "message", "suggestion"];
    return style.examples.flatMap((name): ChatTurn[] => {
        const e: ReviewExample = REVIEW_EXAMPLES[name];
        const comments = e.comment ? [e.comment].map(({line, ...rest}) => {
            const fields: Record<string, unknown> = style.pointBy === "quote" ? {code: e.lines[line - 1].trim(), ...rest} : {line, endLine: line, ...rest};
            return Object.fromEntries(order.map((k) => [k, fields[k]]));
        }) : [];
        return [
            {role: "user", content: reviewPrompt(e.languageId, e.lines, {start: 0, end: e.lines.length}, undefined, style.pointBy)},
            {role: "assistant", content: JSON.stringify({comments})}
        ];
    });
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
