// Several inline candidates (local engine, tiny model): the first answer has one item and does not wait for the
// others; an explicit request at the same spot (VS Code's Show Next) gets N distinct items without a new model run;
// typing aborts the background run before the next generation starts.
import assert from "node:assert/strict";
import type {InlineCompletionList, Position} from "vscode-languageserver-protocol";
import {distinctCandidates} from "../../language-server/completion/moreCandidates";
import {endOf, TestLspClient} from "../support/lspClient";

const SAMPLE = "export function add(a: number, b: number): number {\n    return a + b;\n}\n\nexport function multiply(a: number, b: number) {\n    const result = ";

function explicit(client: TestLspClient, uri: string, position: Position): Promise<InlineCompletionList> {
    return client.connection.sendRequest("textDocument/inlineCompletion", {textDocument: {uri}, position, context: {triggerKind: 1}});
}
const metrics = (client: TestLspClient) => client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
const texts = (list: InlineCompletionList | null) => (list?.items ?? []).map((i) => String(i.insertText));

describe("several inline candidates", function () {
    this.timeout(120_000);
    let client: TestLspClient | undefined;
    afterEach(() => {
        if (client && client.child.exitCode === null) client.kill();
        client = undefined;
    });

    it("answers the first alone, then N distinct candidates for Show Next, from the same model run", async () => {
        ({client} = await TestLspClient.start({settings: {completion: {candidates: 3}}}));
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/candidates.ts";
        await client.open(uri, SAMPLE);
        const first = await client.complete(uri, endOf(SAMPLE));
        assert.equal(first?.items.length, 1, "the first answer does not wait for the other candidates");
        const before = await metrics(client);
        const all = texts(await explicit(client, uri, endOf(SAMPLE)));
        const after = await metrics(client);
        assert.equal(all.length, 3, `three candidates: ${JSON.stringify(all)}`);
        assert.equal(all[0], String(first!.items[0].insertText), "the first candidate stays first");
        assert.deepEqual(distinctCandidates(all), all, "no duplicates or near-duplicates");
        assert.equal(after.modelRuns, before.modelRuns, "cycling runs no new prompt");
        assert.equal(await client.shutdown(), 0);
    });

    it("gives one candidate when candidates is 1", async () => {
        ({client} = await TestLspClient.start({settings: {completion: {candidates: 1}}}));
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/one.ts";
        await client.open(uri, SAMPLE);
        await client.complete(uri, endOf(SAMPLE));
        assert.equal(texts(await explicit(client, uri, endOf(SAMPLE))).length, 1);
        assert.equal(await client.shutdown(), 0);
    });

    it("a keystroke's new generation aborts the background candidates first: one generation at a time", async () => {
        ({client} = await TestLspClient.start({settings: {completion: {candidates: 5, maxTokens: 200}}}));
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/abort.ts";
        // A long multi-line spot, so the background run is still generating when the next key comes.
        const text = "function body() {\n";
        await client.open(uri, text);
        await client.complete(uri, endOf(text));
        const typed = text + "  zq";
        await client.change(uri, typed, 2);
        const next = await client.complete(uri, endOf(typed));
        assert.ok(next && Array.isArray(next.items));
        const m = await metrics(client);
        assert.equal(m.maxRunning, 1, "never two generations at once");
        assert.equal(m.candidateRunsAborted, 1, `the background run was aborted: ${JSON.stringify(m)}`);
        assert.equal(await client.shutdown(), 0);
    });
});

describe("background candidates stop at the keystroke", function () {
    this.timeout(120_000);
    it("a didChange in the document aborts the background run at once, before the next request comes", async () => {
        const {client} = await TestLspClient.start({settings: {completion: {candidates: 5, maxTokens: 200}}});
        try {
            await client.waitForState((s) => s.status === "ready");
            const uri = "file:///work/typing.ts";
            const text = "function body() {\n";
            await client.open(uri, text);
            await client.complete(uri, endOf(text));
            // Another document's change leaves the run alone; this document's change stops it (no request in between).
            await client.open("file:///work/other.ts", "let x = 1;\n");
            await client.change("file:///work/other.ts", "let x = 12;\n", 2);
            const untouched = await metrics(client);
            await client.change(uri, text + "  zq", 2);
            const m = await metrics(client);
            assert.equal(untouched.candidateRunsAborted, 0, `another document's change: ${JSON.stringify(untouched)}`);
            assert.equal(m.candidateRunsAborted, 1, `the background run was aborted by the change alone: ${JSON.stringify(m)}`);
            const next = await client.complete(uri, endOf(text + "  zq"));
            assert.ok(next && Array.isArray(next.items));
            const after = await metrics(client);
            assert.equal(after.candidateRunsAborted, 1, "counted once");
            assert.equal(after.maxRunning, 1, "never two generations at once");
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
        }
    });
});

describe("distinctCandidates", () => {
    it("drops empty ones and near-duplicates (whitespace, closing punctuation), keeping the order", () => {
        assert.deepEqual(distinctCandidates(["a + b;", "a  +  b;", "", "a + b", "a * b;", "   ", "a * b;)"]), ["a + b;", "a * b;"]);
    });
});
