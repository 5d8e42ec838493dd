// Ghost text while VS Code's suggestion list is open: the request's context.selectedCompletionInfo names the item
// the list has selected and the range it would replace. VS Code shows an inline suggestion then only if it
// replaces that range and starts with that item's text, so the server completes as if the item were inserted.
import assert from "node:assert/strict";
import type {InlineCompletionList} from "vscode-languageserver-protocol";
import {TestLspClient} from "../support/lspClient";

const TEXT = "export function total(values: number[]): number {\n    let sum = 0;\n    for (const v of values) sum += v;\n    co";
const CURSOR = {line: 3, character: 6};
const SELECTED = {range: {start: {line: 3, character: 4}, end: CURSOR}, text: "console"};

describe("inline completion with the suggestion list open (selectedCompletionInfo)", function () {
    this.timeout(120_000);
    let client: TestLspClient;

    before(async () => {
        ({client} = await TestLspClient.start({env: {...process.env, GEMMA_CODE_TRACE: "1"}}));
        await client.waitForState((s) => s.status === "ready");
        await client.open("file:///w/total.ts", TEXT);
    });
    after(async () => {
        assert.equal(await client.shutdown(), 0);
    });

    const request = (selectedCompletionInfo: unknown) => client.connection.sendRequest<InlineCompletionList | null>(
        "textDocument/inlineCompletion", {textDocument: {uri: "file:///w/total.ts"}, position: CURSOR,
            context: {triggerKind: 2, selectedCompletionInfo}});

    it("starts the suggestion with the selected item, replaces its range, and prompts with the item inserted", async () => {
        const result = await request(SELECTED);
        const item = result?.items[0];
        assert.ok(item, "the tiny model suggests something after `console`");
        assert.deepEqual(item.range, SELECTED.range);
        const text = typeof item.insertText === "string" ? item.insertText : item.insertText.value;
        assert.ok(text.startsWith("console") && text.length > "console".length, JSON.stringify(text));
        const traces = await client.connection.sendRequest<{prompt: {text: string}[]}[]>("gemma/completionTraces");
        const prompt = traces.at(-1)!.prompt.map((p) => p.text).join("");
        assert.ok(prompt.includes("for (const v of values) sum += v;\n    console"), "the prompt ends the code with the item inserted");
    });

    it("ignores a selection that does not end at the cursor or is malformed, and completes as usual", async () => {
        for (const bad of [{range: {start: {line: 0, character: 0}, end: {line: 0, character: 3}}, text: "exp"}, {text: 5}, "junk",
            {range: {start: {line: 3, character: 5}, end: {line: 3, character: 4}}, text: "x"}]) {
            const result = await request(bad);
            for (const item of result?.items ?? []) assert.deepEqual(item.range, {start: CURSOR, end: CURSOR}, JSON.stringify(bad));
        }
    });
});
