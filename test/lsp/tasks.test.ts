// Review, explain and chat through the standalone server, with real (gibberish) inference on the tiny model: with
// the local engine, and with the remote engine against a real llama-server on loopback serving the same model.
import assert from "node:assert/strict";
import {ProgressType} from "vscode-jsonrpc";
import {ServerCommands} from "../../protocol/lsp";
import {engineSettings, ENGINES, LlamaServer} from "../support/llamaServer";
import {CancellationTokenSource, TestLspClient} from "../support/lspClient";

const TEXT_PARTS = new ProgressType<string>();

const JS = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";
const PY = "def average(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n\nprint(average([]))\n";

interface Comment {
    range: {start: {line: number; character: number}; end: {line: number; character: number}};
    severity: string;
    message: string;
    suggestion?: {newText: string};
}

function assertSchemaValid(comments: Comment[], lineCount: number) {
    assert.ok(Array.isArray(comments));
    for (const c of comments) {
        assert.ok(["error", "warning", "information", "hint"].includes(c.severity), c.severity);
        assert.equal(typeof c.message, "string");
        assert.ok(c.message.trim().length > 0);
        assert.ok(c.range.start.line >= 0 && c.range.end.line < lineCount && c.range.start.line <= c.range.end.line);
        if (c.suggestion) assert.equal(typeof c.suggestion.newText, "string");
    }
}

for (const engine of ENGINES) describe(`review, explain and chat over LSP (${engine} engine)`, function () {
    this.timeout(120_000);
    let client: TestLspClient;
    let llamaServer: LlamaServer | undefined;
    const diagnostics = new Map<string, {message: string; source: string}[]>();

    before(async function () {
        if (engine === "remote") {
            this.timeout(60 * 60_000); // the first run on a machine builds llama-server
            llamaServer = await LlamaServer.start();
        }
        // Replies of 96 tokens keep the suite quick on 2 cores; the streaming path is the same at any length.
        ({client} = await TestLspClient.start({settings: {...engineSettings(engine, llamaServer), chat: {maxTokens: 96}}}));
        client.connection.onNotification("textDocument/publishDiagnostics",
            (p: {uri: string; diagnostics: {message: string; source: string}[]}) => void diagnostics.set(p.uri, p.diagnostics));
        await client.waitForState((s) => s.status === "ready");
    });
    after(async () => {
        assert.equal(await client.shutdown(), 0);
        await llamaServer?.stop();
    });

    it("gemma/review returns schema-valid comments, and the same comments arrive as diagnostics", async () => {
        let total = 0;
        for (const [uri, text, lang] of [["file:///w/divide.js", JS, "javascript"], ["file:///w/average.py", PY, "python"]]) {
            await client.open(uri, text, lang);
            const started = performance.now();
            const result = await client.connection.sendRequest<{comments: Comment[]; version: number}>("gemma/review", {textDocument: {uri}});
            const ms = performance.now() - started;
            const lines = text.split("\n").length;
            console.log(`      ${uri}: ${result.comments.length} comment(s) in ${Math.round(ms)} ms (${Math.round(ms / lines * 100)} ms per 100 lines)`);
            assertSchemaValid(result.comments, lines);
            assert.equal(result.version, 1);
            const published = diagnostics.get(uri) ?? [];
            assert.deepEqual(published.map((d) => d.message), result.comments.map((c) => c.message));
            assert.ok(published.every((d) => d.source === "Gemma"));
            total += result.comments.length;
        }
        assert.ok(total > 0, "the tiny model's reviews of these files produce comments (the path is exercised)");
    });

    it("bad input: empty file, binary file, a 10,000-line file, unknown document", async () => {
        await client.open("file:///w/empty.ts", "");
        const empty = await client.connection.sendRequest<{comments: Comment[]; note?: string}>("gemma/review", {textDocument: {uri: "file:///w/empty.ts"}});
        assert.deepEqual(empty.comments, []);
        assert.match(empty.note ?? "", /Nothing to review/);

        await client.open("file:///w/blob.bin", "PK\u0003\u0004\u0000\u0000\u0001binary\u0000data");
        await assert.rejects(client.connection.sendRequest("gemma/review", {textDocument: {uri: "file:///w/blob.bin"}}),
            (e: {code: number; message: string}) => e.code === -32003 && /binary/.test(e.message));

        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {review: {maxLines: 120}}}});
        const big = Array.from({length: 10_000}, (_, i) => `const value${i} = compute(${i});`).join("\n");
        await client.open("file:///w/big.ts", big);
        const long = await client.connection.sendRequest<{comments: Comment[]; note?: string}>("gemma/review", {textDocument: {uri: "file:///w/big.ts"}});
        assert.match(long.note ?? "", /Reviewed lines 1–120 of 10000/);
        assertSchemaValid(long.comments, 10_000);
        assert.ok(long.comments.every((c) => c.range.end.line < 120));

        await assert.rejects(client.connection.sendRequest("gemma/review", {textDocument: {uri: "file:///w/never-opened.ts"}}),
            (e: {code: number}) => e.code === -32002);
    });

    it("a review cancelled while it runs is answered with RequestCancelled and the server keeps working", async () => {
        await client.open("file:///w/cancel.js", JS, "javascript");
        const source = new CancellationTokenSource();
        const pending = client.connection.sendRequest("gemma/review", {textDocument: {uri: "file:///w/cancel.js"}}, source.token);
        source.cancel();
        await assert.rejects(pending, (e: {code: number}) => e.code === -32800);
        const again = await client.connection.sendRequest<{comments: Comment[]}>("gemma/review", {textDocument: {uri: "file:///w/cancel.js"}});
        assertSchemaValid(again.comments, JS.split("\n").length);
    });

    it("gemma/explain streams the explanation as partial results for any diagnostic", async () => {
        await client.open("file:///w/explain.js", JS, "javascript");
        const parts: string[] = [];
        client.connection.onProgress(TEXT_PARTS, "explain-1", (v: string) => void parts.push(v));
        const result = await client.connection.sendRequest<string>("gemma/explain", {
            textDocument: {uri: "file:///w/explain.js"},
            range: {start: {line: 5, character: 12}, end: {line: 5, character: 24}},
            diagnostic: {range: {start: {line: 5, character: 12}, end: {line: 5, character: 24}}, message: "Division by zero", source: "eslint"},
            partialResultToken: "explain-1"
        });
        assert.ok(parts.length >= 2, `streamed in parts: ${parts.length}`);
        assert.equal(parts.join(""), result);
        assert.ok(result.length > 0);
    });

    it("gemma/chat streams parts and a final result; Stop ends it with what was generated", async () => {
        const parts: string[] = [];
        client.connection.onProgress(TEXT_PARTS, "chat-1", (v: string) => void parts.push(v));
        const started = performance.now();
        let firstPartMs = 0;
        const result = await client.connection.sendRequest<{content: string}>("gemma/chat", {
            messages: [{role: "user", content: "What does divide() do?"}], partialResultToken: "chat-1",
            context: [{label: "divide.js", text: JS}]
        });
        assert.ok(parts.length >= 2, `streamed: ${parts.length} parts`);
        assert.equal(parts.join(""), result.content);
        console.log(`      chat: ${parts.length} parts, ${Math.round(performance.now() - started)} ms for the whole reply`);

        const stopParts: string[] = [];
        const source = new CancellationTokenSource();
        let stoppedAt = 0;
        client.connection.onProgress(TEXT_PARTS, "chat-2", (v: string) => {
            stopParts.push(v);
            if (!firstPartMs) firstPartMs = performance.now() - started;
            if (stopParts.length === 3) {
                stoppedAt = performance.now();
                source.cancel();
            }
        });
        const stopped = await client.connection.sendRequest<{content: string}>("gemma/chat", {
            messages: [{role: "user", content: "Explain recursion."}, {role: "assistant", content: "Recursion is…"},
                {role: "user", content: "More, please."}], partialResultToken: "chat-2"
        }, source.token).then((r) => r, (e: {code: number}) => ({content: `error ${e.code}`}));
        const stopMs = performance.now() - stoppedAt;
        assert.ok(stopParts.length >= 3);
        assert.ok(stopped.content === stopParts.join("") || stopped.content === "error -32800", JSON.stringify(stopped));
        // Without the stop the reply would run to ~96 parts (chat.maxTokens); locally it ends within a token or two of
        // the third. The remote engine also shows what llama-server streamed while the cancel was on its way (nothing
        // after the abort: openaiStream.ts); on an idle machine it sends the tiny model's tokens ~1 ms apart, and
        // 9-12 parts were measured (2026-12-02), so its bound is 16, still far from an unstopped reply.
        const bound = engine === "remote" ? 16 : 6;
        assert.ok(stopParts.length <= bound, `generation stopped right after Stop: ${stopParts.length} parts`);
        console.log(`      chat stop: settled ${Math.round(stopMs)} ms after Stop`);
    });

    it("rejects a chat that does not end with a user message", async () => {
        await assert.rejects(client.connection.sendRequest("gemma/chat", {messages: []}), (e: {code: number}) => e.code === -32003);
        await assert.rejects(client.connection.sendRequest("gemma/chat", {messages: [{role: "assistant", content: "hi"}]}),
            (e: {code: number}) => e.code === -32003);
    });

    it("offers 'Explain with Gemma' as a code action on another tool's diagnostic", async () => {
        await client.open("file:///w/actions.ts", "const x: number = 'a';\n");
        const diagnostic = {range: {start: {line: 0, character: 6}, end: {line: 0, character: 7}}, message: "Type 'string' is not assignable to type 'number'.", source: "ts", code: 2322};
        const actions = await client.connection.sendRequest<{title: string; command?: {command: string}}[]>("textDocument/codeAction", {
            textDocument: {uri: "file:///w/actions.ts"}, range: diagnostic.range, context: {diagnostics: [diagnostic]}
        });
        assert.ok(actions.some((a) => a.title.startsWith("Explain with Gemma") && a.command?.command === ServerCommands.explain));
    });
});
