// Stop on the local engine can only be tested while the tiny model's reply is still streaming; that needs a reply that
// does not end by itself within a moment. This checks it, with the request the chat panel sends for the question
// (and the attached sample.ts): a reply cut short by the generator (an end or stop
// check that fires too early, a lost maxTokens, text dropped while decoding) or by a prompt change fails here.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {ProgressType} from "vscode-jsonrpc";
import {LONG_REPLY_CONTEXT_FILE, LONG_REPLY_MIN_TOKENS, LONG_REPLY_QUESTION} from "../support/longChatReply";
import {TestLspClient} from "../support/lspClient";
import {repoRoot} from "../support/paths";

describe("a tiny-model chat reply streams long enough to be stopped", function () {
    this.timeout(180_000);
    let client: TestLspClient;

    before(async () => {
        // The chat UI test's setting, and one fixed thread: random weights' greedy tokens depend on the thread count
        // (the order of float sums), and the default count follows the machine's load (threadPolicy.ts). Measured:
        // 713 parts with 1 thread, 207 with 2.
        ({client} = await TestLspClient.start({settings: {threads: 1, chat: {maxTokens: 4096}}}));
        await client.waitForState((s) => s.status === "ready");
    });
    after(async () => {
        assert.equal(await client.shutdown(), 0);
    });

    it(`streams at least ${LONG_REPLY_MIN_TOKENS} tokens in reply to the chat UI test's question`, async () => {
        const text = fs.readFileSync(path.join(repoRoot, "test/fixtures/workspace", LONG_REPLY_CONTEXT_FILE), "utf8");
        const parts: string[] = [];
        client.connection.onProgress(new ProgressType<string>(), "long-reply", (v: string) => void parts.push(v));
        const started = performance.now();
        const result = await client.connection.sendRequest<{content: string}>("gemma/chat", {
            messages: [{role: "user", content: LONG_REPLY_QUESTION}], partialResultToken: "long-reply",
            context: [{label: LONG_REPLY_CONTEXT_FILE, text}]
        });
        console.log(`      ${parts.length} parts, ${result.content.length} characters in ${Math.round(performance.now() - started)} ms`);
        // Each part holds at least one token's text: this many parts is at least this many tokens.
        assert.ok(parts.length >= LONG_REPLY_MIN_TOKENS,
            `the reply ended after ${parts.length} parts (${JSON.stringify(result.content.slice(0, 120))}…): `
            + "the chat UI test cannot stop it while it streams (see test/support/longChatReply.ts)");
        assert.equal(parts.join(""), result.content);
    });
});
