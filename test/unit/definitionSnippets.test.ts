import assert from "node:assert/strict";
import {DefinitionSnippets} from "../../language-server/context/definitionSnippets";
import {snippetsFromAnswer} from "../../language-server/clientAnswers";

describe("definition snippets from the client", () => {
    const pos = {line: 3, character: 4};

    it("uses an answer that arrives in time, and never waits long for a slow one", async () => {
        let resolveSlow!: (v: {label: string; text: string}[]) => void;
        const calls: string[] = [];
        const d = new DefinitionSnippets((uri) => {
            calls.push(uri);
            return uri.endsWith("fast.ts") ? Promise.resolve([{label: "a.ts:1", text: "function a() {}"}])
                : new Promise((r) => (resolveSlow = r));
        });
        assert.deepEqual(await d.forPosition("file:///fast.ts", pos), [{label: "a.ts:1", text: "function a() {}"}]);
        assert.deepEqual(await d.forPosition("file:///slow.ts", pos), [], "a slow answer is not waited for");
        resolveSlow([{label: "b.ts:2", text: "class B {}"}]);
        assert.deepEqual(await d.forPosition("file:///slow.ts", pos), [{label: "b.ts:2", text: "class B {}"}], "used once it arrived");
        assert.deepEqual(calls, ["file:///fast.ts", "file:///slow.ts"], "one request per line");
        d.forget("file:///slow.ts");
        await d.forPosition("file:///slow.ts", pos);
        assert.equal(calls.length, 3, "asked again after the document changed");
    });

    it("stops asking a client that does not implement the request", async () => {
        let calls = 0;
        const d = new DefinitionSnippets(() => {
            calls++;
            return Promise.reject(Object.assign(new Error("Unhandled method"), {code: -32601}));
        });
        assert.deepEqual(await d.forPosition("file:///a.ts", pos), []);
        assert.deepEqual(await d.forPosition("file:///a.ts", {line: 9, character: 0}), []);
        assert.equal(calls, 1);
    });
});

describe("definitionSnippets answers from the client", () => {
    it("takes only arrays of {label, text}, at most 16, each cut to 2,000 characters", () => {
        for (const junk of [null, {}, "text", 42, [null, 1, "x", {text: 3}, {label: "l"}]]) assert.deepEqual(snippetsFromAnswer(junk), []);
        const many = snippetsFromAnswer(Array.from({length: 100_000}, (_, i) => ({label: `f${i}`, text: "x".repeat(5_000_000)})));
        assert.equal(many.length, 16);
        assert.ok(many.every((s) => s.text.length === 2000));
        assert.deepEqual(snippetsFromAnswer([{text: "fn a() {}"}]), [{label: "definition", text: "fn a() {}"}]);
    });
});
