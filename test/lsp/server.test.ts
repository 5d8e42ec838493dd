// The language server as a standalone program: spawned as a child process, driven over stdio JSON-RPC, with
// real inference on the tiny gemma2 model — once with the local engine (node-llama-cpp in the server's process) and
// once with the remote engine against a real llama-server on loopback serving the same model. The tests about model
// files (load errors, idle unload, two servers holding one file) are the local engine's only: the remote engine
// holds no model; its own failure cases are in remoteFailures.test.ts.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {FaultProxy} from "../support/faultProxy";
import {engineSettings, ENGINES, LlamaServer} from "../support/llamaServer";
import {CancellationTokenSource, endOf, StartOptions, TestLspClient} from "../support/lspClient";
import {tinyModelPath} from "../support/paths";

const SAMPLE = "export function add(a: number, b: number): number {\n    return a + b;\n}\n\nexport function multiply(a: number, b: number) {\n    const result = ";

for (const engine of ENGINES) describe(`language server over stdio (${engine} engine)`, function () {
    this.timeout(60_000);
    let client: TestLspClient;
    let llamaServer: LlamaServer | undefined;
    const local = engine === "local";
    /** A test client whose settings select this suite's engine. */
    const start = (options: StartOptions = {}) =>
        TestLspClient.start({...options, settings: {...engineSettings(engine, llamaServer), ...options.settings}});

    before(async function () {
        if (local) return;
        this.timeout(60 * 60_000); // the first run on a machine builds llama-server
        llamaServer = await LlamaServer.start();
    });
    after(async () => {
        await llamaServer?.stop();
    });
    afterEach(() => {
        if (client && client.child.exitCode === null) client.kill();
    });

    it("advertises inline completions, loads the model in the background and reports its state", async () => {
        const started = performance.now();
        const {client: c, init} = await start();
        client = c;
        assert.equal(init.capabilities.inlineCompletionProvider, true);
        assert.ok(init.capabilities.textDocumentSync, "text document sync advertised");
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        if (local) {
            assert.equal(ready.backend, "cpu");
        } else {
            assert.equal(ready.engine, "remote");
            assert.equal(ready.serverKind, "llama-server");
            assert.equal(ready.endpoint, llamaServer!.url);
        }
        assert.equal(ready.modelName, "tiny-gemma2");
        assert.ok(client.states.some((s) => s.status === "loading"), "a loading state came before ready");
        console.log(`      server start → model ready: ${Math.round(performance.now() - started)} ms (load ${ready.loadMs} ms)`);
        assert.equal(await client.shutdown(), 0);
    });

    it("answers a request sent before the model is ready, then completes real text after edits", async () => {
        ({client} = await start());
        const uri = "file:///work/sample.ts";
        await client.open(uri, SAMPLE);
        // No wait for "ready": the request must wait for the model (bounded), not fail.
        const t0 = performance.now();
        const first = await client.complete(uri, endOf(SAMPLE));
        const firstMs = performance.now() - t0;
        assert.ok(first && first.items.length === 1, `one item, got ${JSON.stringify(first)}`);
        const text = String(first.items[0].insertText);
        assert.ok(text.trim().length > 0, "non-empty completion");
        assert.ok(!/<end_of_turn>|<start_of_turn>|<eos>|<\|fim_|<\|file_separator\|>/.test(text), `no special tokens: ${text}`);
        console.log(`      first completion (incl. waiting for the model): ${Math.round(firstMs)} ms: ${JSON.stringify(text)}`);

        const edited = SAMPLE + "a * b;\n}\n\nfunction subtract(a: number, b: number) {\n    return ";
        await client.change(uri, edited, 2);
        const t1 = performance.now();
        const second = await client.complete(uri, endOf(edited));
        console.log(`      completion with the model warm: ${Math.round(performance.now() - t1)} ms`);
        assert.ok(second && second.items.length === 1 && String(second.items[0].insertText).trim(), "completion after an edit");
        const range = second.items[0].range!;
        assert.deepEqual(range.start, endOf(edited), "inserted at the cursor");
        // Both engines keep the KV cache of the prompt prefix that did not change (llama-server: cache_prompt).
        const stats = client.stats.at(-1)!;
        assert.ok(stats.reusedTokens > 0 && stats.reusedTokens < stats.promptTokens, `prefix reused: ${JSON.stringify(stats)}`);
        assert.equal(await client.shutdown(), 0);
    });

    it("honours $/cancelRequest: the request settles promptly and the server keeps serving", async () => {
        ({client} = await start());
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/cancel.ts";
        const long = "// " + "lorem ipsum dolor sit amet ".repeat(150) + "\n" + SAMPLE;
        await client.open(uri, long);
        const source = new CancellationTokenSource();
        const pending = client.complete(uri, endOf(long), source);
        // The cancellation is on the wire right behind the request: it reaches the server long before the ~1,000-token
        // prompt is evaluated, so the only correct answer is RequestCancelled, with (almost) nothing generated for it.
        source.cancel();
        const outcome = await pending.then((r) => ({result: r}), (e: {code?: number}) => ({code: e.code}));
        assert.deepEqual(outcome, {code: -32800});
        const metrics = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        assert.equal(metrics.cancelled, 1, JSON.stringify(metrics));
        assert.ok(metrics.tokensForDiscarded <= 1, `the generation stopped at the cancellation: ${JSON.stringify(metrics)}`);
        const after = await client.complete(uri, endOf(long));
        assert.ok(after && after.items.length > 0, "the next request is answered");
        assert.equal(await client.shutdown(), 0);
    });

    it("a newer request supersedes the one in flight: one generation at a time, nothing generated for the old one", async () => {
        ({client} = await start());
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/burst.ts";
        let text = "// " + "context line for the prompt\n// ".repeat(100) + "\n" + SAMPLE;
        await client.open(uri, text);
        const pending: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) {
            text += "ab"[i % 2];
            await client.change(uri, text, i + 2);
            pending.push(client.complete(uri, endOf(text)));
        }
        const results = await Promise.all(pending) as {items: unknown[]}[];
        assert.ok(results.every((r) => Array.isArray(r.items)), "every request is answered");
        const metrics = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        assert.equal(metrics.maxRunning, 1, "never two generations at once");
        assert.equal(metrics.running, 0);
        // Only the newest request reaches the model and answers (stats are sent for answered requests only).
        assert.equal(client.stats.length, 1, `one answered request, got ${JSON.stringify(client.stats)}`);
        assert.ok(metrics.superseded >= 8, `the older requests were superseded: ${JSON.stringify(metrics)}`);
        assert.ok(metrics.tokensAfterAbort <= metrics.superseded, `abort latency ≤ 1 token each: ${JSON.stringify(metrics)}`);
        assert.equal(await client.shutdown(), 0);
    });

    it("requests made while the model loads: only the newest reaches the model once it is ready", async () => {
        // Both wait for the model past the first superseded() check (nothing is in flight yet); the second check,
        // after the wait, is what keeps the older one from running. Without it the older one starts and is aborted.
        ({client} = await start());
        const uri = "file:///work/loading.ts";
        await client.open(uri, SAMPLE);
        const older = client.complete(uri, endOf(SAMPLE));
        await client.change(uri, SAMPLE + "a", 2);
        const newer = client.complete(uri, endOf(SAMPLE + "a"));
        assert.notEqual(client.states.at(-1)?.status, "ready", "sent before the model was ready");
        const [a, b] = await Promise.all([older, newer]) as {items: unknown[]}[];
        assert.deepEqual(a.items, [], "the older request is dropped");
        assert.ok(Array.isArray(b.items));
        const metrics = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        assert.equal(metrics.modelRuns, 1, `one generation, for the newest request: ${JSON.stringify(metrics)}`);
        assert.equal(metrics.superseded, 1, JSON.stringify(metrics));
        assert.equal(await client.shutdown(), 0);
    });

    it("reuses a suggestion whose first characters the user types, without new inference", async () => {
        ({client} = await start());
        await client.waitForState((s) => s.status === "ready");
        const uri = "file:///work/typeahead.ts";
        await client.open(uri, SAMPLE);
        const first = await client.complete(uri, endOf(SAMPLE));
        const suggestion = String(first!.items[0].insertText);
        assert.ok(suggestion.length >= 2, `a suggestion to type into: ${JSON.stringify(suggestion)}`);
        const before = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        const typed = SAMPLE + suggestion.slice(0, 1);
        await client.change(uri, typed, 2);
        const second = await client.complete(uri, endOf(typed));
        assert.equal(second!.items[0].insertText, suggestion.slice(1));
        const after = await client.connection.sendRequest<Record<string, number>>("gemma/completionMetrics");
        assert.equal(after.modelRuns, before.modelRuns, "no new inference");
        assert.equal(after.typedAheadHits, before.typedAheadHits + 1);
        assert.equal(await client.shutdown(), 0);
    });

    it(`with no ${local ? "model" : "server"} configured: reports noModel and fails completions with a clear error, not a hang`, async () => {
        ({client} = await start({settings: local ? {modelPath: ""} : {remote: {endpoint: ""}}}));
        const state = await client.waitForState((s) => s.status === "noModel");
        assert.match(state.message, local ? /gemmaCode\.modelPath/ : /gemmaCode\.remote\.endpoint/);
        await client.open("file:///work/a.ts", "const x = ");
        await assert.rejects(client.complete("file:///work/a.ts", {line: 0, character: 10}),
            (e: {code: number; message: string}) => e.code === -32001 && (local ? /model/i : /inference server/i).test(e.message));
        assert.equal(await client.shutdown(), 0);
    });

    if (local) it("explains a file that is not GGUF in one sentence, and loads a good model after a settings change", async () => {
        const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gemma-bad-")), "notes.gguf");
        fs.writeFileSync(bad, "this is not a model file ".repeat(100));
        ({client} = await TestLspClient.start({settings: {modelPath: bad}}));
        const error = await client.waitForState((s) => s.status === "error");
        assert.match(error.message, /not a GGUF model file/);
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {modelPath: tinyModelPath}}});
        const ready = await client.waitForState((s) => s.status === "ready");
        assert.equal(ready.modelPath, tinyModelPath);
        assert.equal(await client.shutdown(), 0);
    });

    it("rejects unknown documents and positions outside the document with clear errors, and keeps serving", async () => {
        ({client} = await start());
        await client.waitForState((s) => s.status === "ready");
        await assert.rejects(client.complete("file:///never/opened.ts", {line: 0, character: 0}),
            (e: {code: number; message: string}) => e.code === -32002 && /didOpen/.test(e.message));
        await client.open("file:///work/b.ts", "let y = 1;\n");
        await assert.rejects(client.complete("file:///work/b.ts", {line: 40, character: 0}),
            (e: {code: number}) => e.code === -32003);
        await assert.rejects(client.complete("file:///work/b.ts", {line: 0, character: 99}),
            (e: {code: number}) => e.code === -32003);
        const ok = await client.complete("file:///work/b.ts", {line: 0, character: 8});
        assert.ok(ok, "still answering");
        assert.equal(await client.shutdown(), 0);
    });

    if (!local) it("explains an endpoint that is not an inference server in one sentence, and connects after a settings change", async () => {
        // A web server that is not an inference server: 404 for everything.
        const web = http.createServer((_req, res) => res.writeHead(404, {"content-type": "text/html"}).end("<h1>Not Found</h1>"));
        await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
        try {
            const url = `http://127.0.0.1:${(web.address() as {port: number}).port}`;
            ({client} = await start({settings: {remote: {endpoint: url}}}));
            const error = await client.waitForState((s) => s.status === "error");
            assert.match(error.message, /does not look like an OpenAI-compatible inference server: GET \/v1\/models answered HTTP 404/);
            await client.connection.sendNotification("workspace/didChangeConfiguration",
                {settings: {gemmaCode: {remote: {endpoint: `${llamaServer!.url}/v1/`}}}});
            const ready = await client.waitForState((s) => s.status === "ready");
            assert.equal(ready.endpoint, llamaServer!.url, "a trailing /v1/ is accepted");
            assert.equal(await client.shutdown(), 0);
        } finally {
            web.close();
        }
    });

    if (!local) it("completes through llama-server's /infill for a fill-in-the-middle prompt style", async () => {
        const proxy = await FaultProxy.start(llamaServer!.url);
        try {
            ({client} = await start({settings: {remote: {endpoint: proxy.url}, completion: {promptStyle: "fim-codegemma"}}}));
            await client.waitForState((s) => s.status === "ready");
            const uri = "file:///work/infill.py";
            const text = "def add(a, b):\n    return ";
            await client.open(uri, text + "\n\nprint(add(1, 2))\n", "python");
            const first = await client.complete(uri, endOf(text));
            assert.ok(first && Array.isArray(first.items));
            await client.change(uri, text + "a\n\nprint(add(1, 2))\n", 2);
            await client.complete(uri, endOf(text + "a"));
            assert.deepEqual(proxy.requests.filter((r) => r.startsWith("POST") && r !== "POST /tokenize"), ["POST /infill", "POST /infill"]);
            assert.ok(client.stats.at(-1)!.generatedTokens > 0, JSON.stringify(client.stats.at(-1)));
            assert.equal(await client.shutdown(), 0);
        } finally {
            await proxy.close();
        }
    });

    if (local) it("unloads the model after the idle time and loads it again on the next request", async () => {
        ({client} = await TestLspClient.start({settings: {unloadAfterMinutes: 0.01}}));
        await client.waitForState((s) => s.status === "ready");
        const idle = await client.waitForState((s) => s.status === "unloaded");
        assert.match(idle.message, /reloads on the next request/);
        await client.open("file:///work/idle.ts", SAMPLE);
        const r = await client.complete("file:///work/idle.ts", endOf(SAMPLE));
        assert.ok(r && Array.isArray(r.items));
        assert.equal(client.states.at(-1)!.status === "ready" || client.states.at(-1)!.status === "unloaded", true);
        assert.ok(client.states.filter((s) => s.status === "ready").length >= 2, "ready again after the reload");
        assert.equal(await client.shutdown(), 0);
    });

    if (local) it("warns when another server on this machine holds the same model", async () => {
        const first = (await TestLspClient.start()).client;
        try {
            await first.waitForState((s) => s.status === "ready");
            ({client} = await start());
            const ready = await client.waitForState((s) => s.status === "ready");
            assert.match(ready.message, /1 other window\(s\) also hold this model/);
            assert.equal(await client.shutdown(), 0);
        } finally {
            assert.equal(await first.shutdown(), 0);
        }
    });

    it("puts the definitions the client finds for nearby symbols into the completion prompt", async () => {
        ({client} = await start({env: {GEMMA_CODE_TRACE: "1"}}));
        let asked: unknown;
        client.connection.onRequest("gemma/definitionSnippets", (params) => {
            asked = params;
            return [{label: "lib/math.ts:10", text: "export function scaleVector(v: number[], k: number): number[] {"}];
        });
        await client.waitForState((s) => s.status === "ready");
        await client.open("file:///work/defs.ts", SAMPLE);
        await client.complete("file:///work/defs.ts", endOf(SAMPLE));
        assert.deepEqual(asked, {textDocument: {uri: "file:///work/defs.ts"}, position: endOf(SAMPLE)});
        const traces = await client.connection.sendRequest<{prompt: {text: string}[]}[]>("gemma/completionTraces");
        const prompt = traces.at(-1)!.prompt.map((p) => p.text).join("");
        assert.ok(prompt.includes("lib/math.ts:10") && prompt.includes("scaleVector"), "the definition is in the prompt");
        assert.equal(await client.shutdown(), 0);
    });

    if (local) it("explains a truncated download and an unknown architecture, and still shuts down cleanly after failed loads", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-broken-"));
        const good = fs.readFileSync(tinyModelPath);
        const truncated = path.join(dir, "truncated.gguf");
        fs.writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
        const alien = path.join(dir, "alien.gguf");
        const patched = Buffer.from(good);
        // The first "gemma2" in the file is general.architecture's value (same length keeps the file valid).
        patched.write("zzzzz9", patched.indexOf("gemma2"), "latin1");
        fs.writeFileSync(alien, patched);

        ({client} = await TestLspClient.start({settings: {modelPath: truncated}}));
        const cut = await client.waitForState((s) => s.status === "error");
        assert.match(cut.message, /truncated or corrupted/);
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {modelPath: alien}}});
        const unknown = await client.waitForState((s) => s.status === "error" && s.modelPath === alien);
        assert.match(unknown.message, /architecture \("zzzzz9"\)/);
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {modelPath: path.join(dir, "missing.gguf")}}});
        const missing = await client.waitForState((s) => s.status === "error" && s.modelPath?.endsWith("missing.gguf") === true);
        assert.match(missing.message, /does not exist/);
        const started = performance.now();
        assert.equal(await client.shutdown(), 0);
        console.log(`      shutdown after three failed loads: ${Math.round(performance.now() - started)} ms`);
    });
});
