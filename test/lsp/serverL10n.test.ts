// The real server speaks its client's language: with `locale` in `initialize` (as VS Code's client sends its display
// language), the state it pushes, its progress and its error responses arrive translated, paths and settings as
// they are; without one, in English.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {t} from "../../language-server/l10n";
import {TestLspClient} from "../support/lspClient";
import {repoRoot} from "../support/paths";

const bundle = (locale: string) =>
    JSON.parse(fs.readFileSync(path.join(repoRoot, "l10n/server", `bundle.l10n.${locale}.json`), "utf8")) as Record<string, string>;
const NO_MODEL = "No model is configured: set gemmaCode.modelPath to a GGUF file, or run \"Gemma Code: Select Model File\".";
const MISSING = "The model file {0} does not exist: check {1} or pick another file.";
const URI = "file:///w/a.ts";

async function reviewError(client: TestLspClient): Promise<{code: number; message: string}> {
    await client.open(URI, "const a = 1;\n");
    try {
        await client.connection.sendRequest("gemma/review", {textDocument: {uri: URI}});
    } catch (error) {
        return error as {code: number; message: string};
    }
    throw new Error("the review succeeded without a model");
}

describe("the server's messages in the client's language (InitializeParams.locale)", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-l10n-"));
    const missing = path.join(dir, "नहीं है", "gemma.gguf");
    after(() => fs.rmSync(dir, {recursive: true, force: true}));

    it("hi: no model configured — the state and the review's error response are in Hindi", async () => {
        const {client} = await TestLspClient.start({locale: "hi", settings: {modelPath: ""}});
        try {
            const state = await client.waitForState((s) => s.status === "noModel");
            assert.equal(state.message, bundle("hi")[NO_MODEL]);
            const error = await reviewError(client);
            assert.equal(error.message, bundle("hi")[NO_MODEL]);
            assert.match(error.message, /\p{Script=Devanagari}/u);
            // The commands and settings it names stay as they are.
            assert.ok(error.message.includes("gemmaCode.modelPath"));
            const actions = await client.connection.sendRequest("textDocument/codeAction", {textDocument: {uri: URI},
                range: {start: {line: 0, character: 0}, end: {line: 0, character: 5}}, context: {diagnostics: []}}) as {title: string}[];
            assert.deepEqual(actions.map((a) => a.title), [bundle("hi")["Explain with Gemma"]]);
        } finally {
            await client.shutdown();
        }
    });

    it("ar: a model path that does not exist — the error state and the review's error in Arabic, the path as it is", async () => {
        const {client} = await TestLspClient.start({locale: "ar", settings: {modelPath: missing}});
        try {
            const expected = t(bundle("ar")[MISSING], missing, "gemmaCode.modelPath");
            const state = await client.waitForState((s) => s.status === "error");
            assert.equal(state.message, expected);
            const error = await reviewError(client);
            assert.equal(error.message, expected);
            assert.match(error.message, /\p{Script=Arabic}/u);
            assert.ok(error.message.includes(missing), "the path is not translated");
        } finally {
            await client.shutdown();
        }
    });

    it("zh-CN: an inference server that refuses the connection — the remote engine's error in Chinese, the URL as it is", async () => {
        // A port nothing listens on: taken from the OS, then closed.
        const port = await new Promise<number>((resolve) => {
            const probe = net.createServer().listen(0, "127.0.0.1", () => {
                const {port} = probe.address() as net.AddressInfo;
                probe.close(() => resolve(port));
            });
        });
        const origin = `http://127.0.0.1:${port}`;
        const {client} = await TestLspClient.start({locale: "zh-CN", settings: {engine: "remote", remote: {endpoint: origin}}});
        try {
            const refused = "Cannot reach the inference server at {0}: connection refused. Is it running? (gemmaCode.remote.endpoint)";
            const expected = t(bundle("zh-cn")[refused], origin);
            assert.equal((await client.waitForState((s) => s.status === "error")).message, expected);
            assert.equal((await reviewError(client)).message, expected);
            assert.match(expected, /\p{Script=Han}/u);
        } finally {
            await client.shutdown();
        }
    });

    it("no locale (and en): the same errors in English", async () => {
        for (const locale of [undefined, "en"]) {
            const {client} = await TestLspClient.start({locale, settings: {modelPath: missing}});
            try {
                const english = t(MISSING, missing, "gemmaCode.modelPath");
                assert.equal((await client.waitForState((s) => s.status === "error")).message, english);
                assert.equal((await reviewError(client)).message, english);
            } finally {
                await client.shutdown();
            }
        }
    });
});
