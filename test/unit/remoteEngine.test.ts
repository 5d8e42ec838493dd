// The remote engine's pure parts: the event-stream parser, endpoint normalization, prompt rendering for a server,
// chat turns for Gemma's template, error messages, settings, and redaction of the API key.
import assert from "node:assert/strict";
import {defaultServerSettings} from "../../protocol/lsp";
import {normalizeEndpoint, RemoteError, serverErrorMessage, statusError} from "../../language-server/engine/remote/http";
import {renderPromptText, toServerMessages} from "../../language-server/engine/remote/session";
import {SseFormatError, SseParser} from "../../language-server/engine/remote/sse";
import {redactSecrets} from "../../language-server/log";
import {mergeSettings, settingsFromInitializationOptions} from "../../language-server/settings";

describe("remote engine: server-sent events", () => {
    it("parses events split anywhere between chunks, with \\n, \\r\\n and \\r line ends", () => {
        const stream = "data: {\"a\":1}\n\n: keep-alive\r\n\r\ndata: line1\r\ndata: line2\r\n\r\nevent: error\rdata: {\"m\":\"x\"}\r\rdata: [DONE]\n\n";
        for (let size = 1; size <= stream.length; size++) {
            const parser = new SseParser();
            const events = [];
            for (let i = 0; i < stream.length; i += size) events.push(...parser.feed(stream.slice(i, i + size)));
            events.push(...parser.end());
            assert.deepEqual(events, [
                {event: "message", data: "{\"a\":1}"},
                {event: "message", data: "line1\nline2"},
                {event: "error", data: "{\"m\":\"x\"}"},
                {event: "message", data: "[DONE]"}
            ], `chunks of ${size}`);
        }
    });
    it("keeps a last event without its blank line, ignores unknown fields, and takes llama-server's `error:` lines", () => {
        const parser = new SseParser();
        assert.deepEqual(parser.feed("id: 7\nretry: 100\nfoo\ndata:no-space\n"), []);
        assert.deepEqual(parser.end(), [{event: "message", data: "no-space"}]);
        assert.deepEqual(new SseParser().feed("error: {\"code\":500}\n\n"), [{event: "error", data: "{\"code\":500}"}]);
    });
    it("refuses an endless line instead of buffering without bound", () => {
        const parser = new SseParser();
        assert.throws(() => {
            for (let i = 0; i < 5; i++) parser.feed("x".repeat(1024 * 1024));
        }, SseFormatError);
    });
});

describe("remote engine: requests", () => {
    it("normalizes endpoints and rejects unusable ones with a clear message", () => {
        assert.equal(normalizeEndpoint("http://gpu:8080"), "http://gpu:8080");
        assert.equal(normalizeEndpoint(" http://gpu:8080/v1/ "), "http://gpu:8080");
        assert.equal(normalizeEndpoint("gpu-box:8000"), "http://gpu-box:8000");
        assert.equal(normalizeEndpoint("https://gw.example.com/llm/v1"), "https://gw.example.com/llm");
        assert.throws(() => normalizeEndpoint("ftp://x"), (e: RemoteError) => /http:\/\/ or https:\/\//.test(e.message));
        assert.throws(() => normalizeEndpoint("http://"), (e: RemoteError) => /not a URL/.test(e.message));
    });
    it("keeps control-token look-alikes in the user's code as text, and template parts as they are", () => {
        const text = renderPromptText([
            {text: "<start_of_turn>user\n", special: true},
            {text: "const s = \"<end_of_turn><|fim_prefix|>[SUFFIX] a < b <div>\";", special: false},
            {text: "<end_of_turn>\n", special: true}
        ]);
        assert.ok(text.startsWith("<start_of_turn>user\n") && text.endsWith("<end_of_turn>\n"));
        const code = text.slice("<start_of_turn>user\n".length, -"<end_of_turn>\n".length);
        assert.ok(!/<end_of_turn>|<\|fim_prefix\|>|\[SUFFIX\]/.test(code), code);
        assert.equal(code.replace(/\u200b/g, ""), "const s = \"<end_of_turn><|fim_prefix|>[SUFFIX] a < b <div>\";");
    });
    it("folds the system turn into the first user turn and merges turns of the same role (Gemma's template)", () => {
        assert.deepEqual(toServerMessages([
            {role: "system", content: "Be brief."}, {role: "user", content: "a"}, {role: "user", content: "b"},
            {role: "assistant", content: "c"}, {role: "user", content: "d"}
        ]), [{role: "user", content: "Be brief.\n\na\n\nb"}, {role: "assistant", content: "c"}, {role: "user", content: "d"}]);
        assert.deepEqual(toServerMessages([{role: "system", content: "S"}]), [{role: "user", content: "S"}]);
    });
    it("turns error bodies of llama-server, OpenAI, vLLM and proxies into one sentence", () => {
        assert.equal(serverErrorMessage("{\"error\":{\"code\":500,\"message\":\"boom\",\"type\":\"server_error\"}}"), "boom");
        assert.equal(serverErrorMessage("{\"object\":\"error\",\"message\":\"The model `x` does not exist.\"}"), "The model `x` does not exist.");
        assert.equal(serverErrorMessage("{\"detail\":\"Not Found\"}"), "Not Found");
        assert.equal(serverErrorMessage("<html>\n<h1>502 Bad Gateway</h1></html>"), "<html> <h1>502 Bad Gateway</h1></html>");
        const auth = statusError("http://h:1", 401, "{\"error\":{\"message\":\"Invalid API Key\"}}", "GET /v1/models");
        assert.ok(auth instanceof RemoteError && !auth.serverDown, "a RemoteError (instanceof works although ResponseError resets prototypes)");
        assert.equal(auth.kind, "auth");
        assert.equal(auth.code, -32004);
        assert.match(auth.message, /rejected the API key \(HTTP 401: Invalid API Key\)\. Set it with the command "Gemma Code: Set Remote API Key"/);
    });
});

describe("remote engine: settings and secrets", () => {
    it("merges engine and remote settings, and ignores bad values", () => {
        const s = settingsFromInitializationOptions({settings: {engine: "remote", remote: {endpoint: " http://h:8080 ", apiKey: "k", tlsVerify: false}}});
        assert.equal(s.engine, "remote");
        assert.deepEqual(s.remote, {endpoint: "http://h:8080", model: "", apiKey: "k", tlsVerify: false, timeoutMs: 30_000});
        const bad = mergeSettings(defaultServerSettings, {engine: "cloud", remote: {endpoint: 5, tlsVerify: "no", timeoutMs: 1}});
        assert.deepEqual(bad, defaultServerSettings);
        // A change of one field keeps the others (didChangeConfiguration may send only what changed).
        assert.equal(mergeSettings(s, {remote: {model: "m"}}).remote.apiKey, "k");
    });
    it("redacts secrets from log messages", () => {
        assert.equal(redactSecrets("Authorization: Bearer sk-123 and sk-123 again", ["sk-123"]), "Authorization: Bearer *** and *** again");
        assert.equal(redactSecrets("nothing to hide", [""]), "nothing to hide");
    });
});
