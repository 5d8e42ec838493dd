// Speculative decoding (completion.draftModelPath) on the real server: the tiny model drafts for itself, so the
// main model must give the same completions as without a draft and the metrics must show accepted draft tokens; a
// draft model that cannot be used is reported and completions go on without it.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {CompletionMetrics} from "../../protocol/lsp";
import {endOf, StartOptions, TestLspClient} from "../support/lspClient";
import {tinyModelPath} from "../support/paths";

const PROMPTS: {uri: string; text: string; languageId: string}[] = [
    {uri: "file:///work/add.ts", languageId: "typescript",
        text: "export function add(a: number, b: number): number {\n    return a + b;\n}\n\nexport function multiply(a: number, b: number) {\n    const result = "},
    {uri: "file:///work/loop.py", languageId: "python",
        text: "def total(items):\n    result = 0\n    for item in items:\n        "},
    {uri: "file:///work/main.go", languageId: "go",
        text: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tvalues := []int{1, 2, 3}\n\tfor _, v := range values {\n"}
];
/** Typed after the first prompt's text, so the second request reuses the KV cache of the first (and so does the draft). */
const EDIT = "a * b;\n    return result;\n}\n\nfunction subtract(a: number, b: number) {\n    return ";

// A random-weights model is never confident: without this, its drafts would all end before their first token.
const DRAFT = {draftModelPath: tinyModelPath, draftMinConfidence: 0};

const metricsOf = (client: TestLspClient) => client.connection.sendRequest<CompletionMetrics>("gemma/completionMetrics");
const problems = (client: TestLspClient) => client.logs.filter((l) => /Unhandled rejection|Uncaught exception/.test(l));

/** Completions for every prompt, then for the first prompt after an edit; the answers' texts in order. */
async function completeAll(client: TestLspClient): Promise<string[]> {
    const texts: string[] = [];
    for (const p of PROMPTS) {
        await client.open(p.uri, p.text, p.languageId);
        const r = await client.complete(p.uri, endOf(p.text));
        texts.push(r?.items.map((i) => String(i.insertText)).join("\u0000") ?? "<null>");
    }
    const edited = PROMPTS[0].text + EDIT;
    await client.change(PROMPTS[0].uri, edited, 2);
    const r = await client.complete(PROMPTS[0].uri, endOf(edited));
    texts.push(r?.items.map((i) => String(i.insertText)).join("\u0000") ?? "<null>");
    return texts;
}

describe("speculative decoding with a draft model (local engine)", function () {
    this.timeout(120_000);
    let client: TestLspClient | undefined;
    const start = async (options: StartOptions) => (client = (await TestLspClient.start(options)).client);
    afterEach(() => {
        if (client && client.child.exitCode === null) client.kill();
        client = undefined;
    });

    it("the tiny model as its own draft: the same completions as without, and accepted draft tokens in the metrics", async () => {
        // Without prompt lookup either (it also drafts, from the prompt): the plain greedy loop is the reference.
        const plainClient = await start({settings: {completion: {promptLookup: "off"}}});
        await plainClient.waitForState((s) => s.status === "ready");
        const plain = await completeAll(plainClient);
        const plainStats = plainClient.stats.map((s) => s.generatedTokens);
        const plainMetrics = await metricsOf(plainClient);
        assert.equal(await plainClient.shutdown(), 0);
        assert.deepEqual([plainMetrics.draftValidated, plainMetrics.draftRefuted, plainMetrics.draftUsed], [0, 0, 0], "no draft, no predictions");

        const specClient = await start({settings: {completion: DRAFT}});
        const ready = await specClient.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        assert.equal(ready.draft?.status, "ready", JSON.stringify(ready.draft));
        assert.equal(ready.draft?.modelName, "tiny-gemma2");
        assert.match(ready.message, /Speculative decoding with tiny-gemma2/);
        const speculative = await completeAll(specClient);
        const metrics = await metricsOf(specClient);
        console.log(`      without draft: ${JSON.stringify(plain)}\n      with draft:    ${JSON.stringify(speculative)}`);
        console.log(`      draft tokens: ${metrics.draftValidated} accepted, ${metrics.draftRefuted} rejected, ${metrics.draftUsed} used, `
            + `of ${metrics.generatedTokens} generated`);

        assert.ok(plain.every((t) => t !== "<null>") && plain.some((t) => t.length > 0), `completions to compare: ${JSON.stringify(plain)}`);
        assert.deepEqual(speculative, plain, "the main model has the last word on every token");
        assert.deepEqual(specClient.stats.map((s) => s.generatedTokens), plainStats, "same number of tokens generated");
        // The same model drafts what it will generate: every draft token is accepted, up to float rounding (the draft
        // evaluates one token at a time, the main model a batch; a near tie could tip), which has not happened here.
        assert.ok(metrics.draftValidated > 0, `draft tokens accepted: ${JSON.stringify(metrics)}`);
        assert.ok(metrics.draftRefuted <= metrics.draftValidated / 20, `nearly all accepted: ${JSON.stringify(metrics)}`);
        // Accepted tokens are output until the generation stops (the rest wait in the KV cache for the next prompt);
        // each step adds the main model's own token after the accepted ones.
        assert.ok(metrics.draftUsed > 0 && metrics.draftUsed <= metrics.draftValidated, JSON.stringify(metrics));
        assert.ok(metrics.draftUsed < metrics.generatedTokens, JSON.stringify(metrics));
        assert.deepEqual(problems(specClient), []);
        assert.equal(await specClient.shutdown(), 0);
    });

    it("new keystrokes abort generations that use the draft: one at a time, nothing after the abort, no errors", async () => {
        const c = await start({settings: {completion: DRAFT}});
        await c.waitForState((s) => s.status === "ready");
        const uri = "file:///work/burst.ts";
        let text = "// " + "context line for the prompt\n// ".repeat(100) + "\n" + PROMPTS[0].text;
        await c.open(uri, text);
        const pending: Promise<unknown>[] = [];
        let generating = 0;
        for (let i = 0; i < 10; i++) {
            text += "ab"[i % 2];
            await c.change(uri, text, i + 2);
            // Some of them reach the generation loop before the next keystroke, so the aborts hit the draft-and-verify
            // loop at work, not only the prefill: wait for the server to say the first text is out.
            const firstText = i % 3 === 2 ? c.nextLog(/^completion: first text after/) : undefined;
            pending.push(c.complete(uri, endOf(text)));
            if (firstText) {
                await firstText;
                generating++;
            }
        }
        const results = await Promise.all(pending) as {items: unknown[]}[];
        assert.ok(results.every((r) => Array.isArray(r.items)), "every request is answered");
        const metrics = await metricsOf(c);
        console.log(`      ${metrics.superseded} superseded, ${metrics.tokensAfterAbort} token(s) after aborts, `
            + `${metrics.tokensForDiscarded} generated for discarded requests, ${metrics.draftValidated} draft tokens accepted`);
        assert.equal(metrics.maxRunning, 1, "never two generations at once");
        assert.equal(metrics.running, 0);
        assert.ok(metrics.superseded >= 8, JSON.stringify(metrics));
        assert.equal(generating, 3, "three generations were aborted while generating");
        assert.ok(metrics.tokensForDiscarded >= generating, `tokens generated for aborted requests: ${JSON.stringify(metrics)}`);
        assert.ok(metrics.tokensAfterAbort <= metrics.superseded, `abort latency ≤ 1 token each: ${JSON.stringify(metrics)}`);
        text += "\n    ";
        await c.change(uri, text, 20);
        const after = await c.complete(uri, endOf(text));
        assert.ok(after && Array.isArray(after.items), "answered after the burst");
        assert.deepEqual(problems(c), []);
        assert.equal(await c.shutdown(), 0);
        assert.deepEqual(problems(c), [], "nothing went wrong while the draft model was released");
    });

    it("a missing or non-GGUF draft model is reported, and completions run without it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-draft-"));
        const missing = path.join(dir, "gemma-2-2b-it.gguf");
        const c = await start({settings: {completion: {draftModelPath: missing, promptLookup: "off"}}});
        const ready = await c.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", `the main model loads anyway: ${ready.message}`);
        assert.equal(ready.draft?.status, "error");
        assert.match(ready.draft!.message, /does not exist: check gemmaCode\.completion\.draftModelPath/);
        assert.match(ready.message, /draft model is not used/);
        assert.ok(c.logs.some((l) => l.includes(missing) && /Draft model not used/.test(l)), "said once in the log");
        const p = PROMPTS[1];
        await c.open(p.uri, p.text, p.languageId);
        const first = await c.complete(p.uri, endOf(p.text));
        assert.ok(first && Array.isArray(first.items), "completes without the draft");

        const notGguf = path.join(dir, "notes.gguf");
        fs.writeFileSync(notGguf, "not a model ".repeat(200));
        c.connection.sendNotification("workspace/didChangeConfiguration", {settings: {gemmaCode: {completion: {draftModelPath: notGguf}}}});
        const reloaded = await c.waitForState((s) => s.status === "ready" && s.draft?.modelPath === notGguf);
        assert.equal(reloaded.draft?.status, "error");
        assert.match(reloaded.draft!.message, /not a GGUF model file/);
        const second = await c.complete(p.uri, endOf(p.text));
        assert.ok(second && Array.isArray(second.items), "completes without the draft");
        const metrics = await metricsOf(c);
        assert.equal(metrics.draftValidated + metrics.draftRefuted, 0, "no predictions without a draft");
        assert.deepEqual(problems(c), []);
        assert.equal(await c.shutdown(), 0);
        fs.rmSync(dir, {recursive: true, force: true});
    });
});
