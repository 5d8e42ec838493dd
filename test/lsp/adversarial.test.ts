// What an adversarial LSP client found (issue 19), one test per defect, against the standalone server with the
// tiny model: settings without bounds, a hostile GGUF header, malformed documents and positions, the LSP lifecycle
// (queued work at shutdown, exit codes, requests after shutdown), code actions for generic clients, and the GPU
// fallback when the backend asked for cannot start.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {ProgressType} from "vscode-jsonrpc";
import {ServerCommands} from "../../protocol/lsp";
import {endOf, TestLspClient} from "../support/lspClient";
import {tinyModelPath} from "../support/paths";

const TEXT_PARTS = new ProgressType<string>();
const SAMPLE = "export function add(a: number, b: number): number {\n    return ";

interface RpcError {
    code: number;
    message: string;
}

describe("adversarial client: each defect found, fixed", function () {
    this.timeout(120_000);
    let client: TestLspClient;

    afterEach(function () {
        if (this.currentTest?.state === "failed" && client) console.log(client.logs.slice(-20).map((l) => `      | ${l}`).join("\n"));
        if (client && client.child.exitCode === null) client.kill();
    });

    it("clamps settings to what the machine and the model allow, says so in the log, and keeps completing", async () => {
        ({client} = await TestLspClient.start({settings: {threads: 100_000, contextSize: 2 ** 53, unloadAfterMinutes: 1e6,
            completion: {promptStyle: "bogus" as never}}}));
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        // The tiny model is trained for 8192 tokens: a larger context only costs memory.
        assert.ok(ready.contextSize! <= 8192, `context ${ready.contextSize}`);
        const log = client.logs.join("\n");
        assert.match(log, new RegExp(`gemmaCode\\.threads = 100000 is more than the CPU cores this machine has \\(${os.availableParallelism()}\\)`));
        assert.match(log, /gemmaCode\.unloadAfterMinutes = 1000000 is more than the longest timer Node\.js can run \(35791\)/);
        assert.match(log, /gemmaCode\.contextSize = 9007199254740992 is more than/);
        await client.open("file:///w/a.ts", SAMPLE);
        for (let i = 0; i < 2; i++) {
            const r = await client.complete("file:///w/a.ts", endOf(SAMPLE));
            assert.ok(r && Array.isArray(r.items), "promptStyle \"bogus\" is ignored: completions work");
            await client.change("file:///w/a.ts", SAMPLE + "a".repeat(i + 1), i + 2);
        }
        const state = await client.connection.sendRequest<{status: string}>("gemma/getServerState");
        // An overflowing idle timer would fire after 1 ms: the model would be unloaded after every request.
        assert.equal(state.status, "ready");
        assert.ok(!client.states.some((s) => s.status === "unloaded"), "never unloaded");
        assert.equal(await client.shutdown(), 0);
    });

    it("refuses a GGUF header that claims 2^60 tensors at once, and a switch to a good model recovers", async () => {
        const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gemma-hostile-")), "hostile.gguf");
        const patched = Buffer.from(fs.readFileSync(tinyModelPath));
        patched.writeBigUInt64LE(2n ** 60n, 8); // tensor count
        patched.writeBigUInt64LE(2n ** 60n, 16); // metadata count
        fs.writeFileSync(bad, patched);
        ({client} = await TestLspClient.start({settings: {modelPath: bad}}));
        const error = await client.waitForState((s) => s.status === "error");
        assert.match(error.message, /corrupted: its header claims 1152921504606846976 tensors/);
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {modelPath: tinyModelPath}}});
        const ready = await client.waitForState((s) => s.status === "ready");
        assert.equal(ready.modelPath, tinyModelPath);
        assert.equal(await client.shutdown(), 0);
    });

    it("drops a didOpen whose text is null (the document stays unknown), reviews lone-CR files, refuses positions inside a character", async () => {
        ({client} = await TestLspClient.start({settings: {chat: {maxTokens: 32}}}));
        await client.waitForState((s) => s.status === "ready");
        await client.connection.sendNotification("textDocument/didOpen",
            {textDocument: {uri: "file:///w/null.ts", languageId: "typescript", version: 1, text: null}});
        await assert.rejects(client.complete("file:///w/null.ts", {line: 0, character: 0}), (e: RpcError) => e.code === -32002);
        await assert.rejects(client.connection.sendRequest("gemma/review", {textDocument: {uri: "file:///w/null.ts"}}),
            (e: RpcError) => e.code === -32002);
        assert.ok(client.logs.some((l) => /Ignored a malformed textDocument\/didOpen \(text is null/.test(l)));

        const emoji = "const face = '\u{1F600}';\nlet x = ";
        await client.open("file:///w/emoji.ts", emoji);
        const inside = emoji.indexOf("\u{1F600}") + 1;
        await assert.rejects(client.complete("file:///w/emoji.ts", {line: 0, character: inside}),
            (e: RpcError) => e.code === -32003 && /inside a character/.test(e.message));

        const cr = "function f(a) {\r  return a / 0;\r}\r";
        await client.open("file:///w/cr.js", cr, "javascript");
        const review = await client.connection.sendRequest<{comments: {range: {start: {line: number}}}[]}>("gemma/review",
            {textDocument: {uri: "file:///w/cr.js"}});
        assert.ok(Array.isArray(review.comments));
        for (const c of review.comments) assert.ok(c.range.start.line <= 3, JSON.stringify(c));
        const ok = await client.complete("file:///w/emoji.ts", endOf(emoji));
        assert.ok(ok && Array.isArray(ok.items), "still serving");
        assert.equal(await client.shutdown(), 0);
    });

    /** Sends `count` chats; resolves when the first one streams its first part (it is then running, the rest queued). */
    async function queueChats(count: number) {
        let firstPart!: () => void;
        const streaming = new Promise<void>((r) => (firstPart = r));
        const chats = Array.from({length: count}, (_, i) => {
            const token = `queued-${i}`;
            const sub = client.connection.onProgress(TEXT_PARTS, token, () => {
                if (i === 0) firstPart();
            });
            return client.connection.sendRequest<{content: string}>("gemma/chat",
                {messages: [{role: "user", content: `Write a long story, number ${i}.`}], partialResultToken: token})
                .then((r) => ({ok: r.content}), (e: RpcError) => ({code: e.code})).finally(() => sub.dispose());
        });
        await streaming;
        return chats;
    }

    it("shutdown aborts the queued chats instead of running each to its end, and refuses requests after it", async () => {
        ({client} = await TestLspClient.start({settings: {chat: {maxTokens: 4096}}}));
        await client.waitForState((s) => s.status === "ready");
        const chats = await queueChats(4);
        await client.connection.sendRequest("shutdown");
        const outcomes = await Promise.all(chats);
        assert.deepEqual(outcomes.slice(1), [{code: -32800}, {code: -32800}, {code: -32800}], JSON.stringify(outcomes));
        await assert.rejects(client.connection.sendRequest("gemma/getServerState"), (e: RpcError) => e.code === -32600);
        await assert.rejects(client.complete("file:///w/a.ts", {line: 0, character: 0}), (e: RpcError) => e.code === -32600);
        const exited = new Promise((r) => client.child.once("exit", r));
        await client.connection.sendNotification("exit");
        assert.equal(await exited, 0);
    });

    it("a model switch aborts the queued chats too", async () => {
        const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gemma-switch-")), "other.gguf");
        fs.copyFileSync(tinyModelPath, copy);
        ({client} = await TestLspClient.start({settings: {chat: {maxTokens: 4096}}}));
        await client.waitForState((s) => s.status === "ready");
        const chats = await queueChats(3);
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {modelPath: copy}}});
        const outcomes = await Promise.all(chats);
        assert.deepEqual(outcomes.slice(1), [{code: -32800}, {code: -32800}], JSON.stringify(outcomes));
        await client.waitForState((s) => s.status === "ready" && s.modelPath === copy);
        assert.equal(await client.shutdown(), 0);
    });

    it("`exit` without `shutdown` exits with code 1", async () => {
        ({client} = await TestLspClient.start());
        const exited = new Promise((r) => client.child.once("exit", r));
        await client.connection.sendNotification("exit");
        assert.equal(await exited, 1);
    });

    it("code actions offer the client-side explain command only to a client that declares it; others get the server's", async () => {
        const diagnostic = {range: {start: {line: 1, character: 4}, end: {line: 1, character: 10}}, message: "Unreachable code", source: "ts"};
        const actionsOf = async (c: TestLspClient) => {
            await c.open("file:///w/act.ts", SAMPLE);
            return c.connection.sendRequest<{title: string; command?: {command: string; arguments: unknown[]}}[]>("textDocument/codeAction",
                {textDocument: {uri: "file:///w/act.ts"}, range: diagnostic.range, context: {diagnostics: [diagnostic]}});
        };
        const vscodeLike = (await TestLspClient.start({capabilities: {experimental: {gemmaCode: {clientCommands: ["gemmaCode.explain"]}}}})).client;
        try {
            const explain = (await actionsOf(vscodeLike)).find((a) => a.title.startsWith("Explain with Gemma"));
            assert.equal(explain?.command?.command, "gemmaCode.explain");
        } finally {
            assert.equal(await vscodeLike.shutdown(), 0);
        }

        let init;
        ({client, init} = await TestLspClient.start({settings: {chat: {maxTokens: 24}}}));
        assert.deepEqual(init.capabilities.executeCommandProvider?.commands, [ServerCommands.dismissReviewComment, ServerCommands.explain]);
        await client.waitForState((s) => s.status === "ready");
        const explain = (await actionsOf(client)).find((a) => a.title.startsWith("Explain with Gemma"));
        assert.equal(explain?.command?.command, ServerCommands.explain, "a generic client gets a command the server executes");
        const shown = new Promise<{message: string}>((r) => client.connection.onNotification("window/showMessage", r));
        const markdown = await client.connection.sendRequest<string>("workspace/executeCommand",
            {command: explain!.command!.command, arguments: explain!.command!.arguments});
        assert.equal(typeof markdown, "string");
        assert.equal((await shown).message, markdown, "the explanation is shown to the user");
        assert.equal(await client.shutdown(), 0);
    });

    it("falls back to the CPU when the backend asked for cannot start, and says what was chosen", async () => {
        // This machine has no CUDA: node-llama-cpp has no usable CUDA binary here, as on a laptop without the driver.
        ({client} = await TestLspClient.start({settings: {gpu: "cuda"}}));
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        assert.equal(ready.backend, "cpu");
        assert.match(ready.message, /Running on the CPU.*because .*the "cuda" backend did not start/);
        assert.equal(await client.shutdown(), 0);
    });
});
