// gemma/edit and gemma/commitMessage through the standalone server, with real (gibberish) inference on the tiny
// model (local engine): the new text streams in parts and comes back whole; an edit whose range was changed meanwhile
// is refused, one whose document changed elsewhere is re-based; a commit message comes from a real repository's
// staged diff.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {ProgressType} from "vscode-jsonrpc";
import {CommitMessageResult, EditResult, ErrorCodes} from "../../protocol/lsp";
import {TestLspClient} from "../support/lspClient";

const TEXT_PARTS = new ProgressType<string>();
const JS = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";
/** Lines 0-2: the divide function. */
const RANGE = {start: {line: 0, character: 0}, end: {line: 3, character: 0}};

let tokens = 0;
/** Sends a streaming request; `onPart` sees each partial result as it arrives. */
async function streamed<R>(client: TestLspClient, method: string, params: object, onPart: (part: string, index: number) => void = () => undefined) {
    const token = `t${++tokens}`;
    const parts: string[] = [];
    const sub = client.connection.onProgress(TEXT_PARTS, token, (p) => {
        parts.push(p);
        onPart(p, parts.length - 1);
    });
    try {
        const result = await client.connection.sendRequest<R>(method, {...params, partialResultToken: token});
        return {result, parts};
    } finally {
        sub.dispose();
    }
}

describe("gemma/edit and gemma/commitMessage", function () {
    this.timeout(180_000);
    let client: TestLspClient;
    before(async () => {
        ({client} = await TestLspClient.start({settings: {chat: {maxTokens: 96}}}));
        await client.waitForState((s) => s.status === "ready");
    });
    after(async () => {
        if (client.child.exitCode === null) assert.equal(await client.shutdown(), 0);
    });

    it("streams the new text of the range in parts and returns it whole", async () => {
        const uri = "file:///work/edit.js";
        await client.open(uri, JS, "javascript");
        const {result, parts} = await streamed<EditResult>(client, "gemma/edit",
            {textDocument: {uri, version: 1}, range: RANGE, instruction: "Throw an error when b is 0"});
        assert.ok(parts.length >= 2, `streamed in ${parts.length} part(s)`);
        assert.ok(result.text.trim().length > 0, "new text");
        assert.ok(result.text.startsWith(parts.join("").replace(/\n$/, "")), "the parts are the start of the final text");
        assert.ok(result.text.endsWith("\n"), "the range ended a line, so does its new text");
        assert.deepEqual(result.range, RANGE);
        assert.equal(result.version, 1);
    });

    it("refuses the edit when the range itself was edited while the model wrote", async () => {
        const uri = "file:///work/stale.js";
        await client.open(uri, JS, "javascript");
        let changed: Promise<void> | undefined;
        const outcome = await streamed<EditResult>(client, "gemma/edit", {textDocument: {uri}, range: RANGE, instruction: "Rename b to divisor"},
            (_p, i) => {
                if (i === 0) changed = client.change(uri, JS.replace("a / b", "a / (b || 1)"), 2);
            }).then((r) => ({result: r.result}), (e: {code: number; message: string}) => e);
        await changed;
        assert.ok("code" in outcome, `refused, got ${JSON.stringify(outcome)}`);
        assert.equal(outcome.code, ErrorCodes.EditConflict);
        assert.match(outcome.message, /changed while Gemma was editing/);
    });

    it("re-bases the range over edits outside it", async () => {
        const uri = "file:///work/rebase.js";
        await client.open(uri, JS, "javascript");
        let changed: Promise<void> | undefined;
        const {result} = await streamed<EditResult>(client, "gemma/edit", {textDocument: {uri}, range: RANGE, instruction: "Add a JSDoc comment"},
            (_p, i) => {
                if (i === 0) changed = client.change(uri, "// a header line\n" + JS, 2);
            });
        await changed;
        assert.deepEqual(result.range, {start: {line: 1, character: 0}, end: {line: 4, character: 0}}, "one line lower");
        assert.equal(result.version, 2);
    });

    it("refuses a range that refers to another version of the document, at once", async () => {
        const uri = "file:///work/version.js";
        await client.open(uri, JS, "javascript", 7);
        await assert.rejects(client.connection.sendRequest("gemma/edit", {textDocument: {uri, version: 6}, range: RANGE, instruction: "x"}),
            (e: {code: number}) => e.code === ErrorCodes.EditConflict);
        await assert.rejects(client.connection.sendRequest("gemma/edit", {textDocument: {uri}, range: RANGE, instruction: " "}),
            (e: {code: number}) => e.code === -32003);
    });

    it("answers junk parameters with errors and keeps serving", async () => {
        for (const [method, params] of [["gemma/edit", null], ["gemma/edit", {textDocument: {uri: "file:///work/version.js"}}],
            ["gemma/commitMessage", null], ["gemma/commitMessage", {rootUri: 42}], ["gemma/commitMessage", {rootUri: "file:///nonexistent-dir"}]] as const) {
            await assert.rejects(client.connection.sendRequest(method, params), (e: {code: number}) => typeof e.code === "number", `${method} ${JSON.stringify(params)}`);
        }
        assert.ok(await client.connection.sendRequest("gemma/getServerState"), "still serving");
    });

    describe("commit message from a real repository", () => {
        let repo: string;
        const git = (...args: string[]) => execFileSync("git", args, {cwd: repo, encoding: "utf8"});
        before(() => {
            repo = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-commit-"));
            git("init", "-q", "-b", "main");
            git("config", "user.email", "test@example.com");
            git("config", "user.name", "Test");
            for (const [file, subject] of [["a.js", "feat: add a"], ["b.js", "fix(b): handle empty input"], ["c.js", "docs: explain c"]]) {
                fs.writeFileSync(path.join(repo, file), `export const ${file[0]} = 1;\n`);
                git("add", file);
                git("commit", "-q", "-m", subject);
            }
        });
        after(() => fs.rmSync(repo, {recursive: true, force: true}));

        it("says when nothing is staged", async () => {
            await assert.rejects(client.connection.sendRequest("gemma/commitMessage", {rootUri: pathToFileURL(repo).href}),
                (e: {code: number; message: string}) => e.code === -32003 && /Nothing is staged/.test(e.message));
        });

        it("writes a message for the staged diff, streamed, in the history's Conventional Commits style", async () => {
            fs.writeFileSync(path.join(repo, "a.js"), "export const a = 2;\nexport const twice = (x) => 2 * x;\n");
            git("add", "a.js");
            const {result, parts} = await streamed<CommitMessageResult>(client, "gemma/commitMessage", {rootUri: pathToFileURL(repo).href});
            assert.equal(result.conventional, true);
            assert.ok(result.message.length > 0, "a message");
            assert.ok(parts.length >= 2, `streamed in ${parts.length} part(s)`);
        });
    });
});
