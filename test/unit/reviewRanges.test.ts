// Review comments as the user sees them over a session: ranged reviews replace only the comments inside their
// range, and a comment follows edits exactly (Apply suggestion then Undo never lands it on another identical line).
import assert from "node:assert/strict";
import type {Diagnostic} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {ReviewDiagnostics} from "../../language-server/review/reviewDiagnostics";
import type {ModelSession} from "../../language-server/engine/engine";
import type {Logger} from "../../language-server/log";
import {runReview} from "../../language-server/review/reviewRunner";
import type {ReviewComment} from "../../protocol/lsp";
import {reviewSummary} from "../../src/review/reviewSummary";

function on(line: number, message: string, length = 1, suggestion?: string): ReviewComment {
    return {range: {start: {line, character: 0}, end: {line, character: length}}, severity: "warning", message,
        ...(suggestion === undefined ? {} : {suggestion: {newText: suggestion}})};
}

function setup(text: string) {
    const published: Diagnostic[][] = [];
    const store = new ReviewDiagnostics((_uri, diagnostics) => void published.push(diagnostics));
    let doc = TextDocument.create("file:///w/a.js", "javascript", 1, text);
    const edit = (range: {start: {line: number; character: number}; end: {line: number; character: number}}, newText: string) => {
        doc = TextDocument.update(doc, [{range, text: newText}], doc.version + 1);
        store.relocate(doc);
    };
    const shown = () => store.diagnostics(doc.uri).map((d) => `${d.range.start.line}:${d.message}`).sort();
    return {store, published, doc: () => doc, edit, shown};
}

// Two functions, each closed by a lone "}": the nearest-identical-line search confused them.
const TWO_FUNCTIONS = [
    "function a() {", "  return 1;", "}", "", "function b(x) {", "  if (x) {", "    return x / 0;", "  }", "}", ""
].join("\n");

describe("ranged reviews", () => {
    it("a review of one hunk keeps the comments of the other hunks (Review Changes: one request per hunk)", () => {
        const {store, doc, shown} = setup(TWO_FUNCTIONS);
        store.replace(doc(), TWO_FUNCTIONS, [on(1, "first hunk")], {start: 0, end: 3});
        store.replace(doc(), TWO_FUNCTIONS, [on(6, "second hunk")], {start: 4, end: 9});
        assert.deepEqual(shown(), ["1:first hunk", "6:second hunk"]);
    });

    it("Review Selection replaces only the comments inside the selection of an earlier whole-file review", () => {
        const {store, doc, shown} = setup(TWO_FUNCTIONS);
        store.replace(doc(), TWO_FUNCTIONS, [on(1, "whole: a"), on(6, "whole: b")]);
        store.replace(doc(), TWO_FUNCTIONS, [on(5, "selection: b")], {start: 4, end: 9});
        assert.deepEqual(shown(), ["1:whole: a", "5:selection: b"]);
        // A whole-file review still replaces everything.
        store.replace(doc(), TWO_FUNCTIONS, [on(0, "whole again")]);
        assert.deepEqual(shown(), ["0:whole again"]);
    });

    it("a ranged review of a text that is not the document's (the staged version) places its range through the lines", () => {
        // The working tree has one more line at the top than the staged text that was reviewed.
        const staged = TWO_FUNCTIONS;
        const working = "// unstaged\n" + TWO_FUNCTIONS;
        const {store, doc, shown} = setup(working);
        store.replace(doc(), working, [on(2, "working: a"), on(7, "working: b")]);
        store.replace(doc(), staged, [on(6, "staged: b")], {start: 4, end: 9});
        assert.deepEqual(shown(), ["2:working: a", "7:staged: b"]);
    });
});

describe("comments following edits", () => {
    it("Apply suggestion then Undo: the comment is back on its original line or gone, never on another '}'", () => {
        const {store, doc, edit, shown} = setup(TWO_FUNCTIONS);
        // The comment is on the "}" that closes a (line 2); b's "}" (line 8) is identical.
        store.replace(doc(), TWO_FUNCTIONS, [on(2, "a statement needs its semicolon", 1, "};")]);
        edit({start: {line: 2, character: 0}, end: {line: 2, character: 1}}, "};");
        assert.ok(!shown().some((s) => s.startsWith("8:")), `after Apply: ${shown().join(", ")}`);
        edit({start: {line: 2, character: 0}, end: {line: 2, character: 2}}, "}");
        assert.equal(doc().getText(), TWO_FUNCTIONS, "undo restored the text");
        const after = shown();
        assert.ok(after.length === 0 || (after.length === 1 && after[0] === "2:a statement needs its semicolon"), `after Undo: ${after.join(", ")}`);
    });

    it("a comment whose line is deleted is dropped, not moved to an identical line nearby", () => {
        const {store, doc, edit, shown} = setup(TWO_FUNCTIONS);
        store.replace(doc(), TWO_FUNCTIONS, [on(8, "b's brace")]);
        edit({start: {line: 7, character: 3}, end: {line: 8, character: 1}}, "");
        assert.deepEqual(shown(), []);
    });

    it("follows lines moved by edits above and below, and by a whole-text replacement", () => {
        const {store, doc, edit, shown} = setup(TWO_FUNCTIONS);
        store.replace(doc(), TWO_FUNCTIONS, [on(2, "a's brace"), on(6, "division")]);
        edit({start: {line: 0, character: 0}, end: {line: 0, character: 0}}, "// top\n// more\n");
        assert.deepEqual(shown(), ["4:a's brace", "8:division"]);
        edit({start: {line: 11, character: 0}, end: {line: 11, character: 0}}, "// bottom\n");
        assert.deepEqual(shown(), ["4:a's brace", "8:division"]);
        // A client with full sync sends the whole text: the comment follows the same way.
        const whole = doc().getText().replace("// top\n", "");
        edit({start: {line: 0, character: 0}, end: doc().positionAt(doc().getText().length)}, whole);
        assert.deepEqual(shown(), ["3:a's brace", "7:division"]);
    });
});

describe("review outcome messages", () => {
    it("says so when every comment was dropped for lines outside the reviewed code", async () => {
        // A scripted answer stands in for the model: a grammar-constrained real model cannot name such lines, a
        // server that ignores the schema (validated by the remote engine) can.
        const answer = JSON.stringify({comments: [{line: 40, endLine: 40, severity: "error", message: "no such line", suggestion: ""}]});
        const session = {
            name: "scripted", contextSize: 8192, identity: {} as never, countTokens: (s: string) => Math.ceil(s.length / 4),
            complete: () => Promise.reject(new Error("unused")), chat: () => Promise.reject(new Error("unused")),
            generateJson: async () => ({text: answer, promptTokens: 1, reusedTokens: 0, generatedTokens: 1, prefillMs: 0, generateMs: 0,
                tokensAfterAbort: 0, aborted: false})
        } as unknown as ModelSession;
        const doc = TextDocument.create("file:///w/a.js", "javascript", 1, TWO_FUNCTIONS);
        const log = {debug() {}, info() {}, warn() {}, error() {}} as unknown as Logger;
        const outcome = await runReview(session, doc, undefined, 3000, new AbortController().signal, log);
        assert.deepEqual(outcome.comments, []);
        assert.match(outcome.note ?? "", /1 comment from Gemma named lines outside the reviewed code and was left out/);
        assert.match(reviewSummary([{comments: [], note: outcome.note, dropped: outcome.dropped}]), /^Gemma's comments could not be shown\./);
        assert.equal(reviewSummary([{comments: []}]), "Gemma found nothing to comment on.");
    });
});
