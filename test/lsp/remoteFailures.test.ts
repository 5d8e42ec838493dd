// The remote engine when the inference server misbehaves, against a real llama-server (tiny model, loopback):
// HTTP 500 and a malformed event stream (from a small proxy in front of it), a server that accepts connections and
// never answers, one that stalls mid-answer (SIGSTOP), one killed mid-answer (SIGKILL), a wrong API key, and a
// self-signed TLS certificate. Each gives a clear message in bounded time, and the language server keeps answering.
// Last, review against a generic OpenAI-compatible server that cannot constrain its output to a JSON schema.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import https from "node:https";
import {ProgressType} from "vscode-jsonrpc";
import {FaultProxy, silentServer} from "../support/faultProxy";
import {LlamaServer} from "../support/llamaServer";
import {endOf, TestLspClient} from "../support/lspClient";
import {selfSignedCert} from "../support/selfSignedCert";
import type {ServerState} from "../../protocol/lsp";

const TEXT_PARTS = new ProgressType<string>();
const DOC = "file:///w/remote.ts";
const TEXT = "export function add(a: number, b: number): number {\n    return ";
/** The engine's timeout in these tests; a probe waits at most 5 s (PROBE_TIMEOUT_MS) per attempt. */
const TIMEOUT_MS = 4000;

interface RpcError {
    code: number;
    message: string;
}

describe("remote engine failures against a real llama-server", function () {
    this.timeout(120_000);
    const apiKey = `sk-test-${crypto.randomBytes(12).toString("hex")}`;
    let server: LlamaServer;
    let proxy: FaultProxy;
    let client: TestLspClient;
    let chats = 0;

    before(async function () {
        this.timeout(60 * 60_000); // the first run on a machine builds llama-server
        server = await LlamaServer.start({apiKey});
        proxy = await FaultProxy.start(server.url);
        ({client} = await TestLspClient.start({settings: {
            engine: "remote", remote: {endpoint: proxy.url, apiKey, timeoutMs: TIMEOUT_MS}, chat: {maxTokens: 48}
        }}));
        await client.waitForState((s) => s.status === "ready");
        await client.open(DOC, TEXT);
    });
    after(async () => {
        // The key reached the server in initializationOptions, and was used on every request: never in a log line.
        assert.ok(!client.logs.join("\n").includes(apiKey), "the API key is never logged");
        assert.equal(await client.shutdown(), 0);
        await proxy.close();
        await server.stop();
    });

    afterEach(function () {
        // On failure, what the language server logged (never the key: see after()).
        if (this.currentTest?.state === "failed") console.log(client.logs.slice(-30).map((l) => `      | ${l}`).join("\n"));
    });

    /** Changes settings and resolves with the first state after the change that matches. */
    async function configure(remote: Record<string, unknown>, extra: Record<string, unknown>, until: (s: ServerState) => boolean) {
        const from = client.states.length;
        await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {remote, ...extra}}});
        return client.waitForState((s) => client.states.indexOf(s) >= from && until(s));
    }

    function chat(content: string, onPart?: (part: string, n: number) => void) {
        const token = `remote-chat-${++chats}`;
        let n = 0;
        const sub = client.connection.onProgress(TEXT_PARTS, token, (v: string) => onPart?.(v, ++n));
        return client.connection.sendRequest<{content: string}>("gemma/chat", {messages: [{role: "user", content}], partialResultToken: token})
            .finally(() => sub.dispose());
    }

    let version = 1;
    /** A document edit, so the next completion is not answered from the suggestion cache. */
    async function edit() {
        const text = `${TEXT}${"a".repeat(version)} + `;
        await client.change(DOC, text, ++version);
        return text;
    }

    /** The language server still completes and chats through the remote engine. */
    async function stillAnswering() {
        const text = await edit();
        const completion = await client.complete(DOC, endOf(text));
        assert.ok(completion && Array.isArray(completion.items), "completion answered");
        const reply = await chat("Say hello.");
        assert.ok(reply.content.length > 0, "chat answered");
    }

    it("HTTP 500: the request fails with the server's message, the state stays ready, the next requests are answered", async () => {
        proxy.fault = "http500";
        await assert.rejects(chat("What is 2 + 2?"), (e: RpcError) => e.code === -32004
            && /^The inference server at http:\/\/127\.0\.0\.1:\d+ returned HTTP 500 for POST \/v1\/completions: simulated internal error\.$/.test(e.message));
        // llama-server: chat goes through /apply-template and /v1/completions (see RemoteSession.templated).
        assert.deepEqual(proxy.faulted, ["http500 /v1/completions"]);
        assert.equal(client.states.at(-1)!.status, "ready");
        await stillAnswering();
    });

    it("a malformed event stream: the request fails with a clear message, the next requests are answered", async () => {
        proxy.fault = "malformedSse";
        const text = await edit();
        await assert.rejects(client.complete(DOC, endOf(text)), (e: RpcError) => {
            assert.equal(e.code, -32004);
            assert.match(e.message, /sent a malformed stream \(an event whose data is not JSON: "\{\\?"choices.*expected server-sent events with `data: \{json\}` lines/);
            return true;
        });
        assert.equal(client.states.at(-1)!.status, "ready");
        await stillAnswering();
    });

    it("a server that accepts connections and never answers: a clear message in bounded time, then back to a working server", async () => {
        const silent = await silentServer();
        try {
            const started = performance.now();
            const state = await configure({endpoint: silent.url}, {}, (s) => s.status === "error");
            const ms = performance.now() - started;
            assert.match(state.message, /^The inference server at http:\/\/127\.0\.0\.1:\d+ did not answer within 4 s: it may be overloaded or hung\.$/);
            // Three probe attempts of 4 s each, with backoff: never an open-ended wait.
            assert.ok(ms < 3 * TIMEOUT_MS + 3000, `error reported after ${Math.round(ms)} ms`);
            const t0 = performance.now();
            await assert.rejects(client.complete(DOC, endOf(await edit())), (e: RpcError) => e.code === -32001 && /did not answer within 4 s/.test(e.message));
            assert.ok(performance.now() - t0 < TIMEOUT_MS + 2000, "a request waits at most one probe");
            console.log(`      silent server: error state after ${Math.round(ms)} ms, a request failed after ${Math.round(performance.now() - t0)} ms`);
        } finally {
            await silent.close();
        }
        await configure({endpoint: proxy.url}, {}, (s) => s.status === "ready");
        await stillAnswering();
    });

    it("a server that stalls in the middle of an answer: the request ends after the idle timeout, and answers come back after it resumes", async () => {
        await configure({endpoint: server.url}, {chat: {maxTokens: 3000}}, (s) => s.status === "ready");
        let stoppedAt = 0;
        try {
            await assert.rejects(chat("Tell me a long story.", (_part, n) => {
                if (n === 1) {
                    server.kill("SIGSTOP");
                    stoppedAt = performance.now();
                }
            }), (e: RpcError) => e.code === -32004 && /stopped sending in the middle of its answer \(nothing for 4 s\)/.test(e.message));
            const waited = performance.now() - stoppedAt;
            console.log(`      stalled server: request ended ${Math.round(waited)} ms after the stall`);
            assert.ok(stoppedAt > 0 && waited < TIMEOUT_MS + 3000, `ended ${Math.round(waited)} ms after the stall`);
        } finally {
            server.kill("SIGCONT");
        }
        await configure({endpoint: proxy.url}, {chat: {maxTokens: 48}}, (s) => s.status === "ready");
        await stillAnswering();
    });

    it("a server killed in the middle of an answer: a clear message, 'connection refused' while it is down, answers when it is back", async () => {
        await configure({endpoint: server.url}, {chat: {maxTokens: 3000}}, (s) => s.status === "ready");
        await assert.rejects(chat("Tell me a long story.", (_part, n) => {
            if (n === 1) server.kill("SIGKILL");
        }), (e: RpcError) => e.code === -32004 && /^The connection to the inference server at http:\/\/127\.0\.0\.1:\d+ closed in the middle of an answer: the server may have crashed or restarted\.$/.test(e.message));
        const down = await client.waitForState((s) => s.status === "error" && /connection refused/.test(s.message) && s.endpoint === server.url);
        assert.match(down.message, /^Cannot reach the inference server at http:\/\/127\.0\.0\.1:\d+: connection refused\. Is it running\? \(gemmaCode\.remote\.endpoint\)$/);
        const t0 = performance.now();
        await assert.rejects(client.complete(DOC, endOf(await edit())), (e: RpcError) => e.code === -32001 && /connection refused/.test(e.message));
        assert.ok(performance.now() - t0 < 2000, "fails fast while the server is down");
        server = await server.restart();
        const completion = await client.complete(DOC, endOf(await edit()));
        assert.ok(completion && Array.isArray(completion.items), "answered once the server is back");
        await configure({endpoint: proxy.url}, {chat: {maxTokens: 48}}, (s) => s.status === "ready");
        await stillAnswering();
    });

    it("a wrong API key: a clear message that says how to set it, and the key is never logged", async () => {
        const wrong = `sk-wrong-${crypto.randomBytes(8).toString("hex")}`;
        const state = await configure({apiKey: wrong}, {}, (s) => s.status === "error");
        assert.match(state.message, /rejected the API key \(HTTP 401: Invalid API Key\)\. Set it with the command "Gemma Code: Set Remote API Key"\./);
        await assert.rejects(client.complete(DOC, endOf(await edit())), (e: RpcError) => e.code === -32001 && /API key/.test(e.message));
        await configure({apiKey}, {}, (s) => s.status === "ready");
        await stillAnswering();
        const logs = client.logs.join("\n");
        assert.ok(!logs.includes(wrong) && !logs.includes(apiKey), "no key in the logs");
    });

    it("TLS: a self-signed certificate is refused while tlsVerify is on (the default) and accepted when it is off", async () => {
        // A minimal OpenAI-compatible server (not llama-server) over https.
        const {cert, key} = selfSignedCert();
        const fake = https.createServer({cert, key}, fakeOpenAi);
        await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
        const url = `https://127.0.0.1:${(fake.address() as {port: number}).port}`;
        try {
            const refused = await configure({endpoint: url, tlsVerify: true, model: "fake-gemma"}, {}, (s) => s.status === "error");
            assert.match(refused.message, /^The TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\)\. Fix the certificate, or set gemmaCode\.remote\.tlsVerify to false/);
            const ready = await configure({endpoint: url, tlsVerify: false, model: "fake-gemma"}, {}, (s) => s.status === "ready");
            assert.equal(ready.serverKind, "openai-compatible");
            const reply = await chat("Hi");
            assert.equal(reply.content, "Hello from a generic server.");
        } finally {
            fake.closeAllConnections();
            fake.close();
        }
        await configure({endpoint: proxy.url, tlsVerify: true, model: ""}, {}, (s) => s.status === "ready");
        await stillAnswering();
    });
});

/** Just enough of the OpenAI API for the probe and one streamed chat reply. */
function fakeOpenAi(req: http.IncomingMessage, res: http.ServerResponse) {
    req.resume();
    const json = (status: number, body: unknown) => res.writeHead(status, {"content-type": "application/json"}).end(JSON.stringify(body));
    if (req.url === "/health") return json(200, {});
    if (req.url === "/v1/models") return json(200, {object: "list", data: [{id: "fake-gemma", object: "model", max_model_len: 8192}]});
    if (req.url === "/v1/chat/completions") {
        res.writeHead(200, {"content-type": "text/event-stream"});
        for (const piece of ["Hello", " from", " a generic", " server."]) {
            res.write(`data: ${JSON.stringify({choices: [{index: 0, delta: {content: piece}, finish_reason: null}]})}\n\n`);
        }
        res.write(`data: ${JSON.stringify({choices: [{index: 0, delta: {}, finish_reason: "stop"}]})}\n\n`);
        res.end("data: [DONE]\n\n");
        return;
    }
    json(404, {error: {message: `no route ${req.url}`}});
}

describe("remote engine with an OpenAI-compatible server that cannot constrain JSON", function () {
    this.timeout(60_000);

    it("review: falls back from response_format to the schema in the prompt, validates, retries once, and parses", async () => {
        // Like a server without guided decoding: 400 for response_format, then prose, then JSON when told again.
        const bodies: {response_format?: unknown; messages: {content: string}[]}[] = [];
        const fake = http.createServer((req, res) => {
            let raw = "";
            req.on("data", (d) => (raw += d));
            req.on("end", () => {
                const json = (status: number, body: unknown) => res.writeHead(status, {"content-type": "application/json"}).end(JSON.stringify(body));
                if (req.url === "/v1/models") return json(200, {object: "list", data: [{id: "generic-gemma"}]});
                if (req.url !== "/v1/chat/completions") return json(404, {error: {message: "not found"}});
                const body = JSON.parse(raw);
                bodies.push(body);
                if (body.response_format) return json(400, {error: {message: "response_format is not supported by this server", type: "invalid_request_error"}});
                const answer = bodies.length === 2 ? "I found one problem: line 2 divides by zero."
                    : JSON.stringify({comments: [{line: 2, endLine: 2, severity: "error", message: "Division by zero when b is 0.", suggestion: ""}]});
                res.writeHead(200, {"content-type": "text/event-stream"});
                for (let i = 0; i < answer.length; i += 7) {
                    res.write(`data: ${JSON.stringify({choices: [{index: 0, delta: {content: answer.slice(i, i + 7)}, finish_reason: null}]})}\n\n`);
                }
                res.end(`data: ${JSON.stringify({choices: [{index: 0, delta: {}, finish_reason: "stop"}]})}\n\ndata: [DONE]\n\n`);
            });
        });
        await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
        const {client} = await TestLspClient.start({settings: {engine: "remote", remote: {endpoint: `http://127.0.0.1:${(fake.address() as {port: number}).port}`}}});
        try {
            const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
            assert.equal(ready.serverKind, "openai-compatible", ready.message);
            await client.open("file:///w/div.js", "function divide(a, b) {\n  return a / b;\n}\n", "javascript");
            const result = await client.connection.sendRequest<{comments: {message: string; severity: string; range: {start: {line: number}}}[]}>(
                "gemma/review", {textDocument: {uri: "file:///w/div.js"}});
            assert.deepEqual(result.comments.map((c) => [c.range.start.line, c.severity, c.message]), [[1, "error", "Division by zero when b is 0."]]);
            assert.equal(bodies.length, 3);
            assert.ok(bodies[0].response_format, "asked for response_format first");
            assert.ok(!bodies[1].response_format && /matching this JSON schema/.test(bodies[1].messages.at(-1)!.content), "then the schema in the prompt");
            assert.match(bodies[2].messages.at(-1)!.content, /^[\s\S]*Your previous answer was not valid JSON/, "and a retry that says so");
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
            fake.close();
        }
    });
});
