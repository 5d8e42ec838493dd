// The quality harness runs in CI on a handful of cases. With the tiny random model the score means nothing;
// this checks that the harness itself works end to end (masking, completion over LSP, scoring).
import assert from "node:assert/strict";
import path from "node:path";
import {editSimilarity, runQuality} from "../../bench/quality";
import {loadCorpus} from "../../bench/corpus";
import {ServerProcess} from "../../common/serverProcess";
import {repoRoot, tinyModelPath} from "../support/paths";

describe("quality harness", function () {
    this.timeout(180_000);

    it("edit similarity is 1 for equal strings, 0 for nothing in common, in between otherwise", () => {
        assert.equal(editSimilarity("abc", "abc"), 1);
        assert.equal(editSimilarity("abc", "xyz"), 0);
        assert.equal(editSimilarity("", ""), 1);
        assert.equal(editSimilarity("return a + b;", "return a - b;"), 1 - 1 / 13);
    });

    it("masks lines and blocks in real code and scores the tiny model's completions", async () => {
        const {server} = await ServerProcess.start({serverPath: path.join(repoRoot, "dist/server.js"), clientName: "quality-test",
            initializationOptions: {settings: {modelPath: tinyModelPath}}});
        try {
            await server.waitForState((s) => s.status === "ready");
            const {score, cases} = await runQuality(server, loadCorpus(repoRoot).slice(0, 2), 1);
            assert.equal(cases.length, 4);
            assert.deepEqual(cases.map((c) => c.kind), ["line", "block", "line", "block"]);
            for (const c of cases) {
                assert.ok(c.expected.length > 0, "something was masked");
                assert.ok(c.similarity >= 0 && c.similarity <= 1);
            }
            assert.equal(score.cases, 4);
            assert.ok(score.editSimilarity >= 0 && score.editSimilarity <= 1);
        } finally {
            assert.equal(await server.shutdown(), 0);
        }
    });
});
