// Real weights (Gemma 3 270M), the real server over LSP: chat answers in readable English when asked in English,
// a review is schema-valid with readable comments on real, non-blank lines of the file, and Explain streams a
// readable explanation. Random weights cannot do the "readable" part (their text is a soup of the 262k-token
// vocabulary), and review comments on lines outside the file would be dropped by the server's line checks.
import assert from "node:assert/strict";
import {ProgressType} from "vscode-jsonrpc";
import type {ChatResult, ReviewResult} from "../../protocol/lsp";
import {TestLspClient} from "../support/lspClient";
import {echoesInstructions, looksLikeEnglish, realModelPath} from "../support/realModel";
import {REVIEW_CASES} from "../support/reviewCases";

const TEXT_PARTS = new ProgressType<string>();
// The off-by-one loop of the review case set (the same file the review-prompt benchmark scores).
const JS = REVIEW_CASES.find((c) => c.file === "average.js")!.text;

describe("real model: chat, review and explain", function () {
    this.timeout(900_000);
    let client: TestLspClient;

    before(async () => {
        ({client} = await TestLspClient.start({settings: {modelPath: realModelPath(), chat: {maxTokens: 96}}}));
        await client.waitForState((s) => s.status === "ready");
        await client.open("file:///real/average.js", JS, "javascript");
    });
    after(async () => {
        await client?.shutdown();
    });

    it("chat: a reply in readable English to a question in English", async () => {
        const parts: string[] = [];
        client.connection.onProgress(TEXT_PARTS, "real-chat", (v: string) => void parts.push(v));
        const result = await client.connection.sendRequest<ChatResult>("gemma/chat", {
            messages: [{role: "user", content: "In two sentences of plain English: what does the function average do?"}],
            context: [{label: "average.js", text: JS}], partialResultToken: "real-chat"
        });
        console.log(`      chat: ${JSON.stringify(result.content.slice(0, 300))}`);
        assert.equal(parts.join(""), result.content);
        const english = looksLikeEnglish(result.content);
        assert.ok(english.ok, `not readable English (${english.why}): ${JSON.stringify(result.content)}`);
        assert.doesNotMatch(result.content, /<end_of_turn>|<start_of_turn>|<eos>/);
        // A base model answering Gemma turns repeated the instructions instead (test/real/chatEcho.test.ts).
        assert.ok(!echoesInstructions(result.content), `repeats the instructions: ${JSON.stringify(result.content)}`);
    });

    it("review: schema-valid comments with readable messages on real lines of the file", async () => {
        const result = await client.connection.sendRequest<ReviewResult>("gemma/review", {textDocument: {uri: "file:///real/average.js"}});
        console.log(`      review: ${JSON.stringify(result.comments)}`);
        const lines = JS.split("\n");
        // Measured 2026-12-01: Gemma 3 270M returned no comment for this file, so the count is not asserted (yet).
        for (const c of result.comments) {
            assert.ok(["error", "warning", "information", "hint"].includes(c.severity), c.severity);
            assert.ok(c.range.start.line >= 0 && c.range.start.line < lines.length, `line ${c.range.start.line}`);
            assert.ok(c.range.end.line >= c.range.start.line && c.range.end.line < lines.length);
            assert.ok(lines[c.range.start.line].trim().length > 0, `comment on blank line ${c.range.start.line}`);
            // A review comment is terse ("Off-by-one error in the loop condition."): fewer function words than prose.
            const english = looksLikeEnglish(c.message, 1);
            assert.ok(english.ok, `unreadable message (${english.why}): ${c.message}`);
        }
    });

    it("explain: streams a readable explanation of a diagnostic", async () => {
        const parts: string[] = [];
        client.connection.onProgress(TEXT_PARTS, "real-explain", (v: string) => void parts.push(v));
        const range = {start: {line: 3, character: 2}, end: {line: 3, character: 46}};
        const result = await client.connection.sendRequest<string>("gemma/explain", {
            textDocument: {uri: "file:///real/average.js"}, range,
            diagnostic: {range, message: "Loop reads numbers[numbers.length], which is undefined", source: "eslint"},
            partialResultToken: "real-explain"
        });
        console.log(`      explain (${parts.length} parts): ${JSON.stringify(result.slice(0, 300))}`);
        assert.ok(parts.length >= 5, `streamed in ${parts.length} parts`);
        assert.equal(parts.join(""), result);
        const english = looksLikeEnglish(result);
        assert.ok(english.ok, `not readable English (${english.why}): ${JSON.stringify(result)}`);
    });
});
