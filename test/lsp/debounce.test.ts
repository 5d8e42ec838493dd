// The adaptive debounce is the server's, so a plain LSP client (no VS Code, no middleware, a request per keystroke
// and never a $/cancelRequest, as a simple Neovim or Helix setup sends them) gets it: a request waits for the pause,
// a newer request ends the wait of an older one, which is then answered empty without reaching the pipeline, and an
// explicit request (Show Next: triggerKind Invoked) does not wait.
//   npx mocha --timeout 180000 out/test/lsp/debounce.test.js
import assert from "node:assert/strict";
import {InlineCompletionRequest} from "vscode-languageserver-protocol";
import {GetCompletionMetricsRequest} from "../../protocol/lsp";
import {endOf, TestLspClient} from "../support/lspClient";

const URI = "file:///w/debounce.ts";
const TEXT = "export function add(a: number, b: number): number {\n    return ";
const DEBOUNCE_MS = 400;

describe("debounce for every LSP client", function () {
    this.timeout(120_000);
    let client: TestLspClient;
    const metrics = () => client.connection.sendRequest(GetCompletionMetricsRequest.type);

    before(async () => {
        ({client} = await TestLspClient.start({settings: {completion: {debounceMs: DEBOUNCE_MS, candidates: 1}}}));
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        await client.open(URI, TEXT);
    });
    after(async () => {
        await client?.shutdown();
    });

    it("answers three keystrokes' requests with one run after the pause; the older two end empty, unprocessed", async () => {
        const before = await metrics();
        let text = TEXT;
        const answers: Promise<unknown>[] = [];
        const sent: number[] = [];
        for (const key of ["a", " ", "+"]) {
            text += key;
            await client.change(URI, text, answers.length + 2);
            sent.push(performance.now());
            answers.push(client.complete(URI, endOf(text)).then((r) => ({r, at: performance.now()})));
        }
        const [first, second, last] = await Promise.all(answers) as {r: {items: unknown[]}; at: number}[];
        assert.deepEqual(first.r.items, [], "ended by the next request");
        assert.deepEqual(second.r.items, [], "ended by the next request");
        assert.ok(first.at < last.at && second.at < last.at, "the older requests are answered at once, not after a run");
        const after = await metrics();
        assert.equal(after.requests - before.requests, 1, "only the last request reached the completion pipeline");
        assert.equal(after.superseded - before.superseded, 0, "nothing was started and then aborted");
        // The first request waits the base delay; the last one at least half of it (the typist's pace adapts it).
        assert.ok(last.at - sent[2] >= DEBOUNCE_MS / 2 - 5, `the last request waited ${Math.round(last.at - sent[2])} ms`);
    });

    it("does not wait for an explicit request (triggerKind Invoked)", async () => {
        // The same spot as the last request: both answers come from the suggestion cache, so the wait is the difference.
        const timed = async (triggerKind: 1 | 2) => {
            const started = performance.now();
            await client.connection.sendRequest(InlineCompletionRequest.type,
                {textDocument: {uri: URI}, position: endOf(TEXT + "a +"), context: {triggerKind}});
            return performance.now() - started;
        };
        const automatic = await timed(2);
        const explicit = await timed(1);
        assert.ok(automatic >= DEBOUNCE_MS / 2 - 5, `automatic: ${Math.round(automatic)} ms`);
        assert.ok(explicit < automatic - DEBOUNCE_MS / 4, `explicit ${Math.round(explicit)} ms vs automatic ${Math.round(automatic)} ms`);
    });
});
