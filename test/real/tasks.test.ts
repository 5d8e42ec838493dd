// Real weights (Gemma 3 270M), the real server over LSP: chat answers in readable English when asked in English,
// a review is schema-valid with readable comments on real, non-blank lines of the file, and Explain streams a
// readable explanation. Random weights cannot do the "readable" part (their text is a soup of the 262k-token
// vocabulary), and review comments on lines outside the file would be dropped by the server's line checks.
import assert from "node:assert/strict";
import {ProgressType} from "vscode-jsonrpc";
import type {ChatResult, ReviewResult} from "../../protocol/lsp";
import {TestLspClient} from "../support/lspClient";
import {echoesInstructions, looksLikeEnglish, realModelPath} from "../support/realModel";
import {hitsBug, REVIEW_CASES} from "../support/reviewCases";

const TEXT_PARTS = new ProgressType<string>();
const BUGGY = REVIEW_CASES.filter((c) => c.bugLine !== undefined);
const CLEAN = REVIEW_CASES.filter((c) => c.bugLine === undefined);
// Measured 2026-12-02 (bench/run-review-prompts.ts, README "Review prompt"), Gemma 3 270M Q4_K_M, load ≈ 5: the bug
// line of 5/10 buggy files commented (and only it), 5 comments on other lines, 3/4 clean files flagged; the prompt
// before: 8/10, but 31 comments on other lines and 4/4 clean files. Bounds: one file of slack where there is room.
const MEASURED_REVIEW = {found: 5, otherLines: 5, flagged: 3};
const MIN_BUGS_FOUND = 4;
const MAX_OTHER_LINES = 8;
// Clean files flagged: 3/4 in the bench, 4/4 over LSP (the same prompt; the count of one file differed), and 4/4
// with the prompt before: not a bound that tells the two apart, so it is recorded, not asserted.
// Messages that are not English prose (a copied line of code): 4 of 13 in the same run.
const MAX_UNREADABLE = 5;
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

    // The fixed review case set (test/support/reviewCases.ts), through gemma/review: the product's review for a model
    // without a chat template (review/reviewRunner.ts BASE_REVIEW_STYLE). MEASURED_REVIEW is what
    // bench/run-review-prompts.ts measured for it; the bounds leave room for one file to change with another
    // llama.cpp build. The prompt before (no examples, comments by line number) commented on every line it could:
    // the bug line of 8 of 10 files and all 4 clean files, with 31 comments on other lines.
    it(`review: comments on the bug line of at least ${MIN_BUGS_FOUND} of ${BUGGY.length} buggy files and on at most `
        + `${MAX_OTHER_LINES} other lines (clean files flagged: recorded); every comment `
        + `schema-valid on a real line, at most ${MAX_UNREADABLE} messages not readable English`, async () => {
        let found = 0, otherLines = 0, flagged = 0, comments = 0;
        const unreadable: string[] = [];
        const report: string[] = [];
        for (const c of REVIEW_CASES) {
            const uri = `file:///real/review/${c.file}`;
            await client.open(uri, c.text, c.languageId);
            const result = await client.connection.sendRequest<ReviewResult>("gemma/review", {textDocument: {uri}});
            const lines = c.text.split("\n");
            for (const x of result.comments) {
                assert.ok(["error", "warning", "information", "hint"].includes(x.severity), x.severity);
                assert.ok(x.range.start.line >= 0 && x.range.start.line < lines.length, `line ${x.range.start.line}`);
                assert.ok(x.range.end.line >= x.range.start.line && x.range.end.line < lines.length);
                assert.ok(lines[x.range.start.line].trim().length > 0, `comment on blank line ${x.range.start.line}`);
                // A review comment is terse ("Off-by-one error in the loop condition."): fewer function words than prose.
                // A base model sometimes copies code as its message ("Response:"): counted, and bounded below.
                if (!looksLikeEnglish(x.message, 1).ok) unreadable.push(x.message);
                comments++;
            }
            const onBug = result.comments.filter((x) => hitsBug(c, x.range.start.line, x.range.end.line));
            if (c.bugLine === undefined) flagged += result.comments.length ? 1 : 0;
            else {
                found += onBug.length ? 1 : 0;
                otherLines += result.comments.length - onBug.length;
            }
            report.push(`${c.bugLine === undefined ? "clean" : onBug.length ? "FOUND" : "missed"} ${c.file}: `
                + JSON.stringify(result.comments.map((x) => `${x.range.start.line + 1}: ${x.message}`)));
        }
        console.log(report.map((l) => `      ${l}`).join("\n"));
        console.log(`      bug line commented ${found}/${BUGGY.length}, ${otherLines} comments on other lines, clean flagged ${flagged}/${CLEAN.length}`
            + ` (measured by the bench: ${JSON.stringify(MEASURED_REVIEW)})`);
        assert.ok(found >= MIN_BUGS_FOUND, `the bug line of ${found}/${BUGGY.length} buggy files was commented`);
        assert.ok(otherLines <= MAX_OTHER_LINES, `${otherLines} comments on lines without the bug`);
        console.log(`      unreadable messages ${unreadable.length}/${comments}: ${JSON.stringify(unreadable)}`);
        assert.ok(unreadable.length <= MAX_UNREADABLE, `${unreadable.length}/${comments} messages are not readable English`);
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
