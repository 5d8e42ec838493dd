// The server trusts no client: every request the server sends its client (gemma/definitionSnippets,
// workspace/configuration, client/registerCapability, window/workDoneProgress/create) is answered with null, {}, a
// string, an error, a huge array, or never. Whatever the answer, the server keeps answering every request of its
// own, exactly once, and shuts down cleanly.
import assert from "node:assert/strict";
import fs from "node:fs";
import {ResponseError} from "vscode-jsonrpc";
import {endOf, TestLspClient} from "../support/lspClient";

/** The requests this server sends its client (each must be sent at least once by the scenario below). */
const SERVER_TO_CLIENT = ["gemma/definitionSnippets", "workspace/configuration", "client/registerCapability", "window/workDoneProgress/create"];

/** What a misbehaving client answers. */
const ANSWERS: Record<string, () => unknown> = {
    "null": () => null,
    "{}": () => ({}),
    "a string": () => "not what you asked for",
    "an error": () => new ResponseError(-32603, "the client failed"),
    "a huge array": () => Array.from({length: 200_000}, (_, i) => ({label: i, text: i % 2 ? null : {nested: [i]}})),
    "no answer at all": () => new Promise(() => undefined)
};

/** Capabilities that make the server ask for configuration and create progress tokens. */
const CAPABILITIES = {window: {workDoneProgress: true}, workspace: {configuration: true, didChangeConfiguration: {dynamicRegistration: true}}};

const TEXT = "export function scale(v: number[], k: number) {\n    return v.map((x) => ";

function rssMiB(pid: number): number {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

describe("client robustness: the server survives any answer to its own requests", function () {
    // Generous: on a loaded 2-core machine one case (server start, model load, three requests) took up to 70 s.
    this.timeout(300_000);

    for (const [kind, answer] of Object.entries(ANSWERS)) {
        it(`every server → client request answered with ${kind}: completion, code actions and state keep working`, async () => {
            const asked = new Set<string>();
            const handlers = Object.fromEntries(SERVER_TO_CLIENT.map((method) => [method, () => {
                asked.add(method);
                return answer();
            }]));
            const {client} = await TestLspClient.start({capabilities: CAPABILITIES, handlers});
            try {
                await client.waitForState((s) => s.status === "ready");
                const uri = "file:///w/robust.ts";
                await client.open(uri, TEXT);
                const first = await client.complete(uri, endOf(TEXT));
                assert.ok(first && Array.isArray(first.items), `completion answered: ${JSON.stringify(first)}`);
                // A pull-model client: an empty didChangeConfiguration makes the server ask workspace/configuration.
                await client.connection.sendNotification("workspace/didChangeConfiguration", {settings: null});
                await client.change(uri, `${TEXT}x`, 2);
                const second = await client.complete(uri, endOf(`${TEXT}x`));
                assert.ok(second && Array.isArray(second.items), `completion answered after the configuration request: ${JSON.stringify(second)}`);
                const actions = await client.connection.sendRequest<unknown[]>("textDocument/codeAction", {
                    textDocument: {uri}, range: {start: {line: 0, character: 0}, end: {line: 0, character: 5}}, context: {diagnostics: []}});
                assert.ok(Array.isArray(actions));
                const state = await client.connection.sendRequest<{status: string}>("gemma/getServerState");
                assert.equal(state.status, "ready");
                assert.deepEqual([...asked].sort(), [...SERVER_TO_CLIENT].sort(), "the scenario made the server send each of its requests");
                assert.equal(client.child.exitCode, null, "still running");
                assert.equal(await client.shutdown(), 0);
            } finally {
                if (client.child.exitCode === null) client.kill();
            }
        });
    }

    it("a 10 MB definition snippet is cut to a bounded size: memory stays flat over 6 lines", async () => {
        const huge = "export const table = [" + "1234567890, ".repeat(10 * 1024 * 1024 / 12) + "];";
        const {client} = await TestLspClient.start({handlers: {"gemma/definitionSnippets": () => [{label: "lib/table.ts:1", text: huge}]}});
        try {
            await client.waitForState((s) => s.status === "ready");
            const lines = Array.from({length: 7}, (_, i) => `const v${i} = `);
            const uri = "file:///w/snippets.ts";
            await client.open(uri, lines.join("\n"));
            await client.complete(uri, {line: 0, character: lines[0].length});
            const before = rssMiB(client.child.pid!);
            // Each line is a new definitionSnippets request (the server keeps the answers per line).
            for (let i = 1; i < lines.length; i++) await client.complete(uri, {line: i, character: lines[i].length});
            // The answer for the last line may still be in flight: one more request on the wire behind it.
            await client.connection.sendRequest("gemma/getServerState");
            const after = rssMiB(client.child.pid!);
            console.log(`      6 answers with a 10 MB snippet each: RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`);
            // Measured with the bound: +40 MiB (garbage of the parsed answers not yet collected); without it the issue saw
            // +274 MiB for snippets of half this size, held for good.
            assert.ok(after - before < 80, `memory grew by ${(after - before).toFixed(0)} MiB`);
            assert.equal(await client.shutdown(), 0);
        } finally {
            if (client.child.exitCode === null) client.kill();
        }
    });
});
