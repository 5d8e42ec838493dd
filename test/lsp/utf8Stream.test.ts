// Multi-byte characters in streamed replies: a character split across tokens (local engine) or across network
// reads (remote engine) must reach the client whole, and bytes that are not UTF-8 at all must never show as "\ufffd".
// Local: the tiny model's vocabulary spells non-ASCII text as byte tokens, and its random weights emit stray ones;
// Gemma 3 270M (real weights) answers in Hindi, Bengali, Arabic and with emoji. Remote: a loopback HTTP server
// speaking the OpenAI streaming API (a stand-in for vLLM, Ollama…: none runs here) that splits UTF-8 sequences
// across TCP writes and puts an invalid byte into one answer.
import assert from "node:assert/strict";
import http from "node:http";
import {ProgressType} from "vscode-jsonrpc";
import {TestLspClient} from "../support/lspClient";
import {realModelPath} from "../support/realModel";

const PARTS = new ProgressType<string>();
let nextToken = 0;

/** A chat over LSP: the streamed parts and the final reply. */
async function chat(client: TestLspClient, content: string, before: {role: string; content: string}[] = []) {
    const token = `utf8-${nextToken++}`;
    const parts: string[] = [];
    const sub = client.connection.onProgress(PARTS, token, (v: string) => void parts.push(v));
    const result = await client.connection.sendRequest<{content: string}>("gemma/chat", {messages: [...before, {role: "user", content}],
        partialResultToken: token});
    sub.dispose();
    return {parts, content: result.content};
}

function assertWhole(parts: string[], content: string, what: string) {
    for (const p of parts) assert.ok(!p.includes("\ufffd"), `${what}: a streamed part holds a broken character: ${JSON.stringify(p)}`);
    assert.ok(!content.includes("\ufffd"), `${what}: the reply holds a broken character: ${JSON.stringify(content)}`);
    assert.equal(parts.join(""), content, `${what}: the parts add up to the reply`);
}

describe("UTF-8 in streamed replies (local engine)", function () {
    this.timeout(10 * 60_000);

    it("tiny model: byte tokens never reach a chat part or an explanation as \\ufffd", async () => {
        const {client} = await TestLspClient.start({settings: {chat: {maxTokens: 200}}});
        try {
            await client.waitForState((s) => s.status === "ready");
            let nonAscii = 0;
            // Fixed messages; its random weights emit byte tokens in most replies of this length (measured: 8 of 8).
            for (const message of ["नमस्ते दुनिया", "Explain this: 🙂 ☕", "বাংলা", "مرحبا", "é è ê", "字符", "abc", "x = y"]) {
                const {parts, content} = await chat(client, message);
                assertWhole(parts, content, message);
                if (/[^\x00-\x7f]/.test(content)) nonAscii++;
            }
            console.log(`      ${nonAscii} of 8 replies hold non-ASCII characters`);
            await client.open("file:///w/u.js", "const s = \"नमस्ते\";\nconsole.log(s.length);\n", "javascript");
            const parts: string[] = [];
            client.connection.onProgress(PARTS, "utf8-explain", (v: string) => void parts.push(v));
            const explained = await client.connection.sendRequest<string>("gemma/explain", {textDocument: {uri: "file:///w/u.js"},
                range: {start: {line: 0, character: 0}, end: {line: 1, character: 0}}, partialResultToken: "utf8-explain"});
            assertWhole(parts, explained, "explain");
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
        }
    });

    it("Gemma 3 270M: replies with multi-byte characters arrive whole", async () => {
        const {client} = await TestLspClient.start({settings: {modelPath: realModelPath(), chat: {maxTokens: 64}}});
        try {
            const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
            assert.equal(ready.status, "ready", ready.message);
            // An earlier turn in other scripts: alone, this small model tends to repeat the system prompt.
            const earlier = [{role: "user", content: "Say hello in Hindi, Bengali and Arabic, with an emoji."},
                {role: "assistant", content: "नमस्ते! নমস্কার! مرحبا! 🙂"}];
            let multiByte = 0;
            for (const message of ["Now say \"good morning\" in Hindi.", "Now say \"thank you\" in Bengali.", "Now say \"welcome\" in Arabic.",
                "Now reply with three emoji that mean happiness."]) {
                const {parts, content} = await chat(client, message, earlier);
                assertWhole(parts, content, message);
                console.log(`      ${JSON.stringify(content.slice(0, 80))}`);
                if (/[^\x00-\x7f]/.test(content)) multiByte++;
            }
            // Measured: 2 of 4 replies hold multi-byte characters (Japanese, from this weak model); threshold 1.
            assert.ok(multiByte >= 1, `${multiByte} of 4 replies hold multi-byte characters`);
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
        }
    });
});

/** What the stand-in server streams for each chat request, in order; each string is sent as bytes. */
type Answer = Buffer;

async function sseServer(answers: Answer[]) {
    let n = 0;
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (d) => (raw += d));
        req.on("end", async () => {
            const json = (status: number, body: unknown) => res.writeHead(status, {"content-type": "application/json"}).end(JSON.stringify(body));
            if (req.url === "/v1/models") return json(200, {object: "list", data: [{id: "stand-in-gemma"}]});
            if (req.url !== "/v1/chat/completions") return json(404, {error: {message: "not found"}});
            const answer = answers[Math.min(n++, answers.length - 1)];
            res.writeHead(200, {"content-type": "text/event-stream"});
            // One event per 5 bytes of the answer, each event's bytes in two writes that split it anywhere:
            // multi-byte characters end up across events' writes and across TCP segments.
            for (let i = 0; i < answer.length; i += 5) {
                const content = answer.subarray(i, i + 5);
                const event = Buffer.concat([Buffer.from("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""), escapeJsonBytes(content),
                    Buffer.from("\"},\"finish_reason\":null}]}\n\n")]);
                const cut = event.length - 30 + (i % 7);
                await new Promise<void>((r) => res.write(event.subarray(0, cut), () => r()));
                await new Promise<void>((r) => res.write(event.subarray(cut), () => r()));
            }
            res.end("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {server, url: `http://127.0.0.1:${(server.address() as {port: number}).port}`};
}

/**
 * JSON-escapes `"` and `\` and control characters, leaving every other byte as it is (valid UTF-8 stays raw,
 * an invalid byte stays invalid): what a server that writes model bytes into its JSON sends.
 */
function escapeJsonBytes(bytes: Buffer): Buffer {
    const out: number[] = [];
    for (const b of bytes) {
        if (b === 0x22 || b === 0x5c) out.push(0x5c, b);
        else if (b === 0x0a) out.push(0x5c, 0x6e);
        else out.push(b);
    }
    return Buffer.from(out);
}

describe("UTF-8 in streamed replies (remote engine, loopback stand-in server)", function () {
    this.timeout(60_000);

    it("characters split across network reads arrive whole; an invalid byte is dropped, the review keeps its comments", async () => {
        const hindi = Buffer.from("नमस्ते दुनिया 🙂 — বাংলা, مرحبا", "utf8");
        const review = (message: Buffer) => Buffer.concat([Buffer.from("{\"comments\":[{\"line\":1,\"endLine\":1,\"severity\":\"warning\",\"message\":\""),
            message, Buffer.from("\"},{\"line\":2,\"endLine\":2,\"severity\":\"error\",\"message\":\"Division by zero 🙂\"}]}")]);
        const invalid = Buffer.concat([Buffer.from("Bad name "), Buffer.from([0xe0, 0xa4]), Buffer.from(" here")]);
        const {server, url} = await sseServer([hindi, Buffer.concat([Buffer.from("ok "), Buffer.from([0xff]), Buffer.from(" done")]),
            review(invalid), review(invalid)]);
        const {client} = await TestLspClient.start({settings: {engine: "remote", remote: {endpoint: url}}});
        try {
            const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
            assert.equal(ready.status, "ready", ready.message);
            const first = await chat(client, "hello");
            assertWhole(first.parts, first.content, "split characters");
            assert.equal(first.content, hindi.toString("utf8"));
            const second = await chat(client, "again");
            assertWhole(second.parts, second.content, "an invalid byte");
            assert.equal(second.content, "ok  done");

            await client.open("file:///w/div.js", "function divide(a, b) {\n  return a / b;\n}\n", "javascript");
            const result = await client.connection.sendRequest<{comments: {message: string; range: {start: {line: number}}}[]}>(
                "gemma/review", {textDocument: {uri: "file:///w/div.js"}});
            assert.deepEqual(result.comments.map((c) => [c.range.start.line, c.message]),
                [[0, "Bad name  here"], [1, "Division by zero 🙂"]], "both comments, the invalid bytes left out");
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
            server.closeAllConnections();
            server.close();
        }
    });
});
