// The remote engine's stream reader over real HTTP on loopback: once the user stops an answer, nothing the server
// sent after that is shown, even events that arrived in the same chunk as the one being shown, and the stream is
// closed so that the server stops generating.
import assert from "node:assert/strict";
import http from "node:http";
import type {AddressInfo} from "node:net";
import {completionText, streamAnswer, StreamServer} from "../../language-server/engine/remote/openaiStream";

const event = (text: string) => `data: ${JSON.stringify({choices: [{text, finish_reason: null}]})}\n\n`;
const silent = {info() {}, warn() {}, error() {}, debug() {}} as unknown as StreamServer["log"];

describe("remote engine: a stopped stream", () => {
    let server: http.Server;
    let closed: Promise<void>;
    let base: string;

    beforeEach(async () => {
        let onClosed!: () => void;
        closed = new Promise((resolve) => onClosed = resolve);
        server = http.createServer((_req, res) => {
            res.writeHead(200, {"content-type": "text/event-stream"});
            // Four deltas in one write: the reader gets them in one chunk, the abort comes while it shows the first.
            res.write(event("a") + event("b") + event("c") + event("d"));
            // The answer goes on until the client hangs up (a long generation).
            res.on("close", onClosed);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("shows nothing after the abort, reports the answer as aborted, and hangs up", async () => {
        const stop = new AbortController();
        const shown: string[] = [];
        const target: StreamServer = {target: {base, apiKey: "", tlsVerify: true, timeoutMs: 10_000}, llamaServer: true,
            log: silent, countTokens: (t) => t.length};
        const result = await streamAnswer(target, "/v1/completions", {prompt: "x", stream: true},
            {maxTokens: 64, signal: stop.signal}, completionText, (text) => {
                shown.push(text);
                stop.abort();
            });
        assert.deepEqual(shown, ["a"], "the events after the abort were shown");
        assert.equal(result.text, "a");
        assert.equal(result.aborted, true);
        await closed;
    });
});
