import assert from "node:assert/strict";
import type {Diagnostic} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {chunkLines} from "../../language-server/review/chunking";
import {codeActionsFor, DIAGNOSTIC_SOURCE, DISMISS_COMMAND, ReviewDiagnostics} from "../../language-server/review/reviewDiagnostics";
import type {ModelSession} from "../../language-server/engine/engine";
import type {Logger} from "../../language-server/log";
import {
    BASE_REVIEW_STYLE, looksBinary, quotedLine, REVIEW_EXAMPLES, reviewExamples, reviewSpan, reviewStyleFor, runReview, TEMPLATE_REVIEW_STYLE,
    validateComment
} from "../../language-server/review/reviewRunner";
import {parseReviewOutput, quotableLines, reviewQuoteSchema, reviewSchema} from "../../language-server/review/reviewSchema";

const count = (s: string) => Math.ceil(s.length / 4);

describe("review output", () => {
    it("parses complete output and repairs output cut by the token limit to its complete comments", () => {
        assert.deepEqual(parseReviewOutput('{"comments": []}'), {comments: [], repaired: false});
        const cut = '{"comments": [{"line": 2, "endLine": 2, "severity": "error", "message": "a } in \\"text\\"", "suggestion": ""}, {"line": 3, "endLine": 3, "sev';
        const r = parseReviewOutput(cut);
        assert.equal(r.repaired, true);
        assert.equal(r.comments.length, 1);
        assert.equal(r.comments[0].message, 'a } in "text"');
        assert.deepEqual(parseReviewOutput('{"comm'), {comments: [], repaired: true});
    });

    it("limits line numbers to the reviewed chunk in the schema itself", () => {
        const schema = reviewSchema(10, 12);
        assert.deepEqual(schema.properties.comments.items.properties.line.enum, [10, 11, 12]);
    });

    it("validates line references against the chunk and drops empty messages", () => {
        const lines = ["a", "b", "c", "d"];
        const chunk = {start: 1, end: 3};
        assert.deepEqual(validateComment({line: 2, endLine: 3, severity: "error", message: " bad ", suggestion: "B\nC"}, chunk, lines),
            {range: {start: {line: 1, character: 0}, end: {line: 2, character: 1}}, severity: "error", message: "bad", suggestion: {newText: "B\nC"}});
        assert.equal(validateComment({line: 1, severity: "error", message: "x"}, chunk, lines), undefined, "before the chunk");
        assert.equal(validateComment({line: 3, endLine: 2, severity: "error", message: "x"}, chunk, lines), undefined, "end before start");
        assert.equal(validateComment({line: 2.5, severity: "error", message: "x"}, chunk, lines), undefined);
        assert.equal(validateComment({line: 2, severity: "error", message: "  "}, chunk, lines), undefined);
        assert.equal(validateComment({line: 2, severity: "fatal", message: "x"}, chunk, lines)!.severity, "warning");
        assert.equal(validateComment({line: 2, severity: "hint", message: "x", suggestion: "b"}, chunk, lines)!.suggestion, undefined,
            "a suggestion equal to the code is no suggestion");
    });

    it("rejects binary text and ranges outside the document", () => {
        assert.equal(looksBinary("const x = 1;\n"), false);
        assert.equal(looksBinary("PK\u0003\u0004\u0000\u0000binary"), true);
        const doc = TextDocument.create("file:///a.ts", "typescript", 1, "a\nb\nc\n");
        assert.throws(() => reviewSpan(doc, {start: {line: 9, character: 0}, end: {line: 10, character: 0}}), /outside/);
        assert.deepEqual(reviewSpan(doc, {start: {line: 0, character: 0}, end: {line: 2, character: 0}}), {start: 0, end: 2});
        assert.deepEqual(reviewSpan(doc, undefined), {start: 0, end: 4});
    });
});

describe("review styles", () => {
    const lines = ["function f(a) {", "  if (a = 1) {", "    return a;", "  }", "}", "  if (a = 1) {", ""];

    it("a model without a chat template gets the measured base style; others, and an unknown model, the plain prompt", () => {
        assert.equal(reviewStyleFor({architecture: "gemma3", name: "", basename: "", hasChatTemplate: false}), BASE_REVIEW_STYLE);
        assert.equal(reviewStyleFor({architecture: "gemma2", name: "", basename: "", hasChatTemplate: true}), TEMPLATE_REVIEW_STYLE);
        assert.equal(reviewStyleFor(undefined), TEMPLATE_REVIEW_STYLE);
    });

    it("a quoting comment may only quote a line of the chunk, and lands on the first line it quotes", () => {
        const quotes = quotableLines(lines.slice(1, 7));
        assert.deepEqual(quotes, ["if (a = 1) {", "return a;"], "without indentation, once each, no lone braces or blank lines");
        assert.deepEqual(reviewQuoteSchema(quotes).properties.comments.items.properties.code, {enum: quotes});
        assert.deepEqual(Object.keys(reviewQuoteSchema(quotes, ["message", "code", "severity", "suggestion"]).properties.comments.items.properties),
            ["message", "code", "severity", "suggestion"], "the properties in the style's order");
        const chunk = {start: 1, end: 7};
        assert.deepEqual(quotedLine({code: "if (a = 1) {", line: undefined, severity: "error", message: "m"}, chunk, lines),
            {code: "if (a = 1) {", line: 2, endLine: 2, severity: "error", message: "m"});
        assert.equal(quotedLine({code: "function f(a) {", line: undefined, severity: "error", message: "m"}, chunk, lines).line, undefined,
            "a line outside the chunk");
        assert.equal(quotedLine({code: 3, line: 3, severity: "error", message: "m"}, chunk, lines).line, undefined, "no quote, no line");
        assert.deepEqual(quotableLines(["}", "", "  )"]), ["}", ")"], "a chunk of braces only still has lines to quote");
    });

    it("the worked examples answer in the style's own schema, on the lines they show", () => {
        for (const style of [BASE_REVIEW_STYLE, {...BASE_REVIEW_STYLE, pointBy: "number" as const}]) {
            const turns = reviewExamples(style);
            assert.equal(turns.length, 2 * style.examples.length);
            for (const [i, name] of style.examples.entries()) {
                const example = REVIEW_EXAMPLES[name];
                assert.equal(turns[2 * i].role, "user");
                assert.ok(turns[2 * i].content.includes(example.lines.at(-1)!), "the request shows the example's code");
                const answer = JSON.parse(turns[2 * i + 1].content) as {comments: Record<string, unknown>[]};
                const comment = "comment" in example ? example.comment : undefined;
                assert.equal(answer.comments.length, comment ? 1 : 0);
                if (!comment) continue;
                const schema = style.pointBy === "quote" ? reviewQuoteSchema(quotableLines(example.lines)) : reviewSchema(1, example.lines.length);
                const props = schema.properties.comments.items.properties as Record<string, {enum?: unknown[]}>;
                assert.deepEqual(Object.keys(answer.comments[0]), Object.keys(props), "every property, in the schema's order");
                const where = style.pointBy === "quote" ? answer.comments[0].code : answer.comments[0].line;
                assert.ok(props[style.pointBy === "quote" ? "code" : "line"].enum!.includes(where), `${String(where)} is allowed`);
                const raw = {...answer.comments[0], line: answer.comments[0].line} as never;
                const placed = style.pointBy === "quote" ? quotedLine(raw, {start: 0, end: example.lines.length}, example.lines) : raw;
                assert.equal((placed as {line: number}).line, comment.line);
            }
        }
    });

    it("a comment written again on the same lines is shown once", async () => {
        const same = {code: "if (a = 1) {", severity: "error", message: "Assigns instead of comparing.", suggestion: "  if (a === 1) {"};
        const answer = JSON.stringify({comments: [same, same, {...same, message: "Another."}]});
        const session = {
            name: "scripted", contextSize: 8192, identity: {hasChatTemplate: false}, countTokens: (t: string) => Math.ceil(t.length / 4),
            generateJson: async () => ({text: answer, promptTokens: 1, reusedTokens: 0, generatedTokens: 1, prefillMs: 0, generateMs: 0,
                tokensAfterAbort: 0, aborted: false})
        } as unknown as ModelSession;
        const log = {debug() {}, info() {}, warn() {}, error() {}} as unknown as Logger;
        const doc = TextDocument.create("file:///w/f.js", "javascript", 1, lines.join("\n"));
        const outcome = await runReview(session, doc, undefined, 3000, new AbortController().signal, log);
        assert.deepEqual(outcome.comments.map((c) => [c.range.start.line, c.message]), [[1, "Assigns instead of comparing."], [1, "Another."]]);
    });
});

describe("review chunking", () => {
    it("cuts at top-level declarations and keeps chunks within the budget", () => {
        const fn = (name: string) => [`function ${name}() {`, "  const x = 1;", "  return x;", "}", ""];
        const lines = [...fn("a"), ...fn("b"), ...fn("c"), ...fn("d")];
        const chunks = chunkLines(lines, {start: 0, end: lines.length}, 20, count);
        assert.ok(chunks.length > 1);
        for (const c of chunks) {
            assert.ok(/^function /.test(lines[c.start]), `chunk starts at a declaration: ${lines[c.start]}`);
            assert.ok(count(lines.slice(c.start, c.end).join("\n")) <= 20);
        }
        assert.equal(chunks[0].start, 0);
        assert.equal(chunks.at(-1)!.end, lines.length);
    });

    it("splits one huge block by lines", () => {
        const lines = ["class Big {", ...Array.from({length: 200}, (_, i) => `  field${i} = ${i};`), "}"];
        const chunks = chunkLines(lines, {start: 0, end: lines.length}, 100, count);
        assert.ok(chunks.length > 5);
        for (let i = 1; i < chunks.length; i++) assert.equal(chunks[i].start, chunks[i - 1].end, "contiguous");
    });
});

describe("review diagnostics", () => {
    const text = "line one\nline two\nline three\n";
    const comment = {range: {start: {line: 1, character: 0}, end: {line: 1, character: 8}}, severity: "warning" as const,
        message: "two is wrong", suggestion: {newText: "line 2"}};

    function setup() {
        const published: {uri: string; diagnostics: Diagnostic[]}[] = [];
        const store = new ReviewDiagnostics((uri, diagnostics) => published.push({uri, diagnostics}));
        return {published, store};
    }

    it("publishes comments with source Gemma and replaces them on the next review", () => {
        const {published, store} = setup();
        const doc = TextDocument.create("file:///a.txt", "plaintext", 1, text);
        store.replace(doc, text, [comment]);
        assert.equal(published.at(-1)!.diagnostics.length, 1);
        assert.equal(store.diagnostics(doc.uri)[0].source, DIAGNOSTIC_SOURCE);
        store.replace(doc, text, []);
        assert.equal(published.at(-1)!.diagnostics.length, 0);
    });

    it("moves a comment with its lines, and drops it when they change", () => {
        const {published, store} = setup();
        let doc = TextDocument.create("file:///a.txt", "plaintext", 1, text);
        store.replace(doc, text, [comment]);
        doc = TextDocument.update(doc, [{range: {start: {line: 0, character: 0}, end: {line: 0, character: 0}}, text: "new\nnew\n"}], 2);
        store.relocate(doc);
        assert.equal(published.at(-1)!.diagnostics[0].range.start.line, 3, "moved down two lines");
        doc = TextDocument.update(doc, [{range: {start: {line: 3, character: 5}, end: {line: 3, character: 8}}, text: "2"}], 3);
        store.relocate(doc);
        assert.equal(published.at(-1)!.diagnostics.length, 0, "its line changed");
    });

    it("relocates a review that finished after the document was edited, instead of using stale lines", () => {
        const {store} = setup();
        const edited = TextDocument.create("file:///a.txt", "plaintext", 5, "inserted\n" + text);
        const published = store.replace(edited, text, [comment]);
        assert.equal(published[0].range.start.line, 2);
    });

    it("offers Apply and Dismiss for Gemma comments, and Explain for any diagnostic or selection", () => {
        const {store} = setup();
        const doc = TextDocument.create("file:///a.txt", "plaintext", 1, text);
        store.replace(doc, text, [comment]);
        const gemma = store.diagnostics(doc.uri)[0];
        const foreign = {range: comment.range, message: "Cannot find name 'x'.", source: "ts", code: 2304};
        const actions = codeActionsFor(doc.uri, [gemma, foreign], comment.range);
        const titles = actions.map((a) => a.title);
        assert.ok(titles.includes("Apply Gemma's suggestion"));
        const apply = actions.find((a) => a.title === "Apply Gemma's suggestion")!;
        assert.deepEqual(apply.edit!.changes![doc.uri], [{range: comment.range, newText: "line 2"}]);
        assert.equal(actions.find((a) => a.title.startsWith("Dismiss"))!.command!.command, DISMISS_COMMAND);
        assert.equal(titles.filter((t) => t.startsWith("Explain with Gemma")).length, 2);
        const selection = {start: {line: 0, character: 0}, end: {line: 0, character: 4}};
        assert.deepEqual(codeActionsFor(doc.uri, [], selection).map((a) => a.title), ["Explain with Gemma"]);
        assert.deepEqual(codeActionsFor(doc.uri, [], {start: selection.start, end: selection.start}), []);
        store.dismiss(doc.uri, (gemma.data as {id: number}).id);
        assert.equal(store.diagnostics(doc.uri).length, 0);
    });
});
