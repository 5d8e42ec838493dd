// Notebooks over LSP 3.17 notebook document sync: a completion in a code cell is prompted with the code cells above
// it (in order, markdown and other languages left out), its answer lands in the cell's own coordinates, and edits of
// the cells above reach the next prompt.
import assert from "node:assert/strict";
import type {InlineCompletionList} from "vscode-languageserver-protocol";
import {endOf, TestLspClient} from "../support/lspClient";

const NOTEBOOK = "file:///work/analysis.ipynb";
const cell = (n: number) => `vscode-notebook-cell:/work/analysis.ipynb#W${n}sZmlsZQ%3D%3D`;
const CELLS = [
    {uri: cell(0), kind: 2, languageId: "python", text: "import statistics\n\ndef load_prices(path):\n    return [float(x) for x in open(path)]\n"},
    {uri: cell(1), kind: 1, languageId: "markdown", text: "## The markdown cell says: average the prices\n"},
    {uri: cell(2), kind: 2, languageId: "python", text: "prices = load_prices('prices.txt')\nmean = "}
];

describe("notebooks: completions in a cell see the cells above", function () {
    this.timeout(120_000);
    let client: TestLspClient;
    before(async () => {
        let init;
        ({client, init} = await TestLspClient.start({env: {GEMMA_CODE_TRACE: "1"}, settings: {completion: {candidates: 1}}}));
        assert.deepEqual(init.capabilities.notebookDocumentSync, {notebookSelector: [{notebook: "*"}]}, "the server asks for notebooks");
        await client.waitForState((s) => s.status === "ready");
        await client.connection.sendNotification("notebookDocument/didOpen", {
            notebookDocument: {uri: NOTEBOOK, notebookType: "jupyter-notebook", version: 1,
                cells: CELLS.map((c) => ({kind: c.kind, document: c.uri}))},
            cellTextDocuments: CELLS.map((c) => ({uri: c.uri, languageId: c.languageId, version: 1, text: c.text}))
        });
    });
    after(() => client.kill());

    const lastPrompt = async () => {
        const traces = await client.connection.sendRequest<{prompt: {text: string}[]}[]>("gemma/completionTraces");
        return traces.at(-1)!.prompt.map((p) => p.text).join("");
    };

    it("prompts with the code cells above, in order, and answers in the cell's coordinates", async () => {
        const position = endOf(CELLS[2].text);
        const result = await client.connection.sendRequest<InlineCompletionList>("textDocument/inlineCompletion",
            {textDocument: {uri: cell(2)}, position, context: {triggerKind: 2}});
        assert.ok(result.items.length > 0, "a suggestion in the cell");
        assert.deepEqual(result.items[0].range, {start: position, end: position}, "the range is the cell's cursor, not the notebook's");
        const prompt = await lastPrompt();
        // The code before the cursor is the notebook's: the cell above, a blank line, then this cell.
        assert.ok(prompt.includes("    return [float(x) for x in open(path)]\n\nprices = load_prices('prices.txt')\nmean = "),
            "the code cell above comes right before the cell, in the code the model continues");
        assert.equal(prompt.split("def load_prices(path)").length, 2, "once: the notebook's cells are not also offered as other files");
        assert.ok(!prompt.includes("The markdown cell says"), "markdown cells are not code");
    });

    it("an edit of a cell above reaches the next completion's prompt", async () => {
        await client.connection.sendNotification("notebookDocument/didChange", {
            notebookDocument: {uri: NOTEBOOK, version: 2},
            change: {cells: {textContent: [{document: {uri: cell(0), version: 2},
                changes: [{range: {start: {line: 0, character: 0}, end: {line: 0, character: 17}}, text: "import numpy as np"}]}]}}
        });
        await client.connection.sendRequest("textDocument/inlineCompletion",
            {textDocument: {uri: cell(2)}, position: endOf(CELLS[2].text), context: {triggerKind: 2}});
        const prompt = await lastPrompt();
        assert.ok(prompt.includes("import numpy as np\n\ndef load_prices"), "the edited cell is in the prompt");
        assert.ok(prompt.includes("open(path)]\n\nprices = load_prices("), "still right before the cell");
        assert.ok(!prompt.includes("import statistics"));
    });

    it("the first cell has nothing above it; a closed notebook's cells are gone", async () => {
        const position = endOf(CELLS[0].text);
        const result = await client.connection.sendRequest<InlineCompletionList>("textDocument/inlineCompletion",
            {textDocument: {uri: cell(0)}, position, context: {triggerKind: 2}});
        for (const item of result.items) assert.deepEqual(item.range, {start: position, end: position});
        assert.ok(!(await lastPrompt()).includes("prices = load_prices('prices.txt')"), "cells below are not above");
        await client.connection.sendNotification("notebookDocument/didClose", {notebookDocument: {uri: NOTEBOOK},
            cellTextDocuments: CELLS.map((c) => ({uri: c.uri}))});
        await assert.rejects(client.connection.sendRequest("textDocument/inlineCompletion",
            {textDocument: {uri: cell(2)}, position: endOf(CELLS[2].text), context: {triggerKind: 2}}), /Unknown document/);
    });
});
