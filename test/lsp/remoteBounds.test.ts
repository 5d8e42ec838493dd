// What enters from a remote inference server is bounded, and what leaves for the editor is clean: against a MOCK
// server (ScriptedInferenceServer: a real one cannot be made to misbehave like this) that sends control characters,
// a 3 MB event, and an endless stream that ignores max_tokens.
import assert from "node:assert/strict";
import {endOf, TestLspClient} from "../support/lspClient";
import {ScriptedInferenceServer} from "../support/scriptedInferenceServer";

const DOC = "file:///w/bounds.ts";
const TEXT = "export function add(a: number, b: number): number {\n    return ";
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

describe("remote engine bounds against a misbehaving server (mock)", function () {
    this.timeout(60_000);
    let mock: ScriptedInferenceServer;
    let client: TestLspClient;
    let version = 1;

    before(async () => {
        mock = await ScriptedInferenceServer.start();
        ({client} = await TestLspClient.start({settings: {engine: "remote", remote: {endpoint: mock.url, timeoutMs: 4000},
            completion: {maxTokens: 32}}}));
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        await client.open(DOC, TEXT);
    });
    after(async () => {
        assert.equal(await client.shutdown(), 0);
        await mock.close();
    });

    /** A new text at the cursor, so that the suggestion cache does not answer. */
    async function edit() {
        const text = `${TEXT}${"a".repeat(version)} + `;
        await client.change(DOC, text, ++version);
        return text;
    }

    it("control characters never reach insertText", async () => {
        mock.script = (write) => {
            write(JSON.stringify({choices: [{text: "\u0007b\u001b[31m * 2\u0000;\u007f", finish_reason: null}]}));
            write(JSON.stringify({choices: [{text: "", finish_reason: "stop"}]}));
            write("[DONE]");
        };
        const text = await edit();
        const r = await client.complete(DOC, endOf(text));
        assert.equal(r!.items.length, 1, JSON.stringify(r));
        const insert = String(r!.items[0].insertText);
        assert.ok(!CONTROL.test(insert), JSON.stringify(insert));
        assert.match(insert, /b\[31m \* 2;/);
    });

    it("an event of 3 MB is refused with a clear error, and the next request is served", async () => {
        mock.script = (write) => {
            write(JSON.stringify({choices: [{text: "x".repeat(3 * 1024 * 1024), finish_reason: "stop"}]}));
            write("[DONE]");
        };
        const text = await edit();
        await assert.rejects(client.complete(DOC, endOf(text)), (e: {code: number; message: string}) =>
            e.code === -32004 && /malformed stream \((a line|an event) of more than 1048576 characters\)/.test(e.message));
        mock.script = (write) => {
            write(JSON.stringify({choices: [{text: "b;", finish_reason: "stop"}]}));
            write("[DONE]");
        };
        const next = await client.complete(DOC, endOf(await edit()));
        assert.equal(next!.items.length, 1);
    });

    it("an endless stream stops at maxTokens: the answer comes, and the stream is closed", async () => {
        mock.script = async (write) => {
            for (let i = 0; write(JSON.stringify({choices: [{text: ` b${i}`, finish_reason: null}]})); i++) {
                await new Promise((r) => setImmediate(r));
            }
        };
        const done = mock.nextStreamDone();
        const r = await client.complete(DOC, endOf(await edit()));
        assert.ok(r && Array.isArray(r.items));
        const insert = String(r.items[0]?.insertText ?? "");
        assert.ok((insert.match(/ b\d+/g) ?? []).length <= 32, `at most maxTokens parts: ${JSON.stringify(insert)}`);
        const log = await done;
        assert.equal(log.closedByClient, true, "the engine closed the stream");
    });
});
