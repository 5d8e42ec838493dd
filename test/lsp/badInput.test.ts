// A bad-input corpus against the standalone server: every case gets a result or a clear error, the server
// stays alive and keeps answering, and its memory stays bounded.
import assert from "node:assert/strict";
import fs from "node:fs";
import {endOf, TestLspClient} from "../support/lspClient";

function rssMiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

describe("bad input at the LSP level", function () {
    this.timeout(180_000);
    let client: TestLspClient;
    const figures: string[] = [];

    before(async () => {
        ({client} = await TestLspClient.start());
        await client.waitForState((s) => s.status === "ready");
        await client.open("file:///w/ok.ts", "const ok = ");
    });
    after(async () => {
        console.log(figures.map((f) => `      ${f}`).join("\n"));
        assert.equal(await client.shutdown(), 0);
    });

    /** The server still answers a normal request after each case. */
    async function stillServing() {
        const r = await client.complete("file:///w/ok.ts", {line: 0, character: 11});
        assert.ok(r && Array.isArray(r.items), "server answered after the bad input");
    }

    it("malformed JSON-RPC: broken JSON, a wrong Content-Length header, a message without a method", async () => {
        const raw = (s: string) => client.child.stdin!.write(s);
        raw("Content-Length: 11\r\n\r\n{not json!}");
        raw(`Content-Length: ${Buffer.byteLength('{"jsonrpc":"2.0","id":"x1"}')}\r\n\r\n{"jsonrpc":"2.0","id":"x1"}`);
        raw(`Content-Length: 2\r\n\r\n[]`);
        await stillServing();
        assert.equal(client.child.exitCode, null, "still running");
    });

    it("unknown methods get -32601 (requests) or are ignored (notifications)", async () => {
        await assert.rejects(client.connection.sendRequest("gemma/doesNotExist", {}), (e: {code: number}) => e.code === -32601);
        await client.connection.sendNotification("gemma/alsoUnknown", {x: 1});
        await stillServing();
    });

    it("unknown URIs, positions out of range and missing parameters give clear errors", async () => {
        await assert.rejects(client.complete("file:///w/unknown.ts", {line: 0, character: 0}), (e: {code: number}) => e.code === -32002);
        for (const position of [{line: -1, character: 0}, {line: 0, character: 999}, {line: 1e9, character: 0}, {line: 0.5, character: 0}]) {
            await assert.rejects(client.complete("file:///w/ok.ts", position), (e: {code: number; message: string}) =>
                e.code === -32003 && /outside|past the end/.test(e.message), JSON.stringify(position));
        }
        await assert.rejects(client.connection.sendRequest("textDocument/inlineCompletion", {textDocument: {uri: "file:///w/ok.ts"}}),
            (e: {code: number}) => e.code === -32003);
        await assert.rejects(client.connection.sendRequest("gemma/review", {}), (e: {code: number}) => e.code === -32002);
        await assert.rejects(client.connection.sendRequest("gemma/explain", {textDocument: {uri: "file:///w/ok.ts"}}),
            (e: {code: number}) => e.code === -32003);
        await stillServing();
    });

    it("a 5 MB document is completed within the prompt budget", async () => {
        const line = "export const value = computeSomething(1, 2, 3); // a line of ordinary code\n";
        const text = line.repeat(Math.ceil(5 * 1024 * 1024 / line.length)) + "const last = ";
        await client.open("file:///w/huge.ts", text);
        const started = performance.now();
        const r = await client.complete("file:///w/huge.ts", endOf(text));
        figures.push(`5 MB document: completion answered in ${Math.round(performance.now() - started)} ms`);
        assert.ok(r && Array.isArray(r.items));
        const stats = client.stats.at(-1)!;
        assert.ok(stats.promptTokens <= 1536 + 64, `prompt within budget: ${stats.promptTokens}`);
        await stillServing();
    });

    it("binary content and lone surrogates are accepted as text without crashing", async () => {
        const binary = Array.from({length: 4096}, (_, i) => String.fromCharCode(i % 256)).join("");
        await client.open("file:///w/blob.ts", binary + "\nconst z = ");
        const r1 = await client.complete("file:///w/blob.ts", endOf(binary + "\nconst z = "));
        assert.ok(r1 && Array.isArray(r1.items));
        const surrogates = "const s = '\ud800\udc00\ud800 \udfff';\nlet t = ";
        await client.open("file:///w/surrogates.ts", surrogates);
        const r2 = await client.complete("file:///w/surrogates.ts", endOf(surrogates));
        assert.ok(r2 && Array.isArray(r2.items));
        await stillServing();
    });

    it("1,000 requests in a burst: all answered, one generation at a time, memory bounded", async () => {
        const before = rssMiB(client.child.pid!);
        const text = "function burst() {\n  return ";
        await client.open("file:///w/burst.ts", text);
        const metricsBefore = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        const started = performance.now();
        const all = await Promise.all(Array.from({length: 1000}, () => client.complete("file:///w/burst.ts", endOf(text))));
        const ms = performance.now() - started;
        assert.equal(all.length, 1000);
        assert.ok(all.every((r) => r && Array.isArray(r.items)));
        const metrics = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        assert.equal(metrics.maxRunning, 1, "one generation at a time");
        assert.equal(metrics.running, 0);
        // Every request is answered by the model, the cache, or as superseded — and superseded ones stopped at once.
        const answeredByModel = metrics.modelRuns - metricsBefore.modelRuns;
        const superseded = metrics.superseded - metricsBefore.superseded;
        const lateTokens = metrics.tokensAfterAbort - metricsBefore.tokensAfterAbort;
        assert.ok(lateTokens <= superseded, `≤ 1 token after each abort: ${lateTokens} for ${superseded}`);
        const after = rssMiB(client.child.pid!);
        figures.push(`1,000-request burst: answered in ${Math.round(ms)} ms, ${answeredByModel} model run(s), ${superseded} superseded, `
            + `${metrics.cacheHits - metricsBefore.cacheHits} from cache, ${lateTokens} token(s) after aborts, RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
        assert.ok(after - before < 200, `memory grew by ${(after - before).toFixed(0)} MiB`);
        await stillServing();
    });
});
