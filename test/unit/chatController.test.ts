// The chat panel's extension-side logic without VS Code: the webview message map's validation, the controller
// (send, stream, stop, history, resync after the view is re-created), persistence, the webview's CSP, and the
// text helpers behind Insert at Cursor / Apply to File.
import assert from "node:assert/strict";
import type {ChatResult} from "../../protocol/lsp";
import {parseFromWebview, type ToWebview} from "../../protocol/webview";
import {ChatController, type ChatControllerDeps, stateLine} from "../../src/chat/chatController";
import {ConversationHistory, type KeyValueStore, titleOf} from "../../src/chat/history";
import {fitTrailingNewline, minimalReplacement, withEol} from "../../src/chat/textEdits";
import {chatHtml, contentSecurityPolicy} from "../../src/chat/webviewHtml";
import {webviewInit} from "../../src/chat/webviewStrings";

class MemoryStore implements KeyValueStore {
    readonly map = new Map<string, unknown>();
    get<T>(key: string) {
        return structuredClone(this.map.get(key)) as T | undefined;
    }
    async update(key: string, value: unknown) {
        this.map.set(key, structuredClone(value));
    }
}

/** A fake gemma/chat: the test pushes deltas and settles the reply when it wants. */
class FakeServer {
    requests: {messages: unknown[]; context: unknown[]}[] = [];
    private onDelta: (t: string) => void = () => {};
    private settle: {resolve(r: ChatResult): void; reject(e: unknown): void} | undefined;
    signal: AbortSignal | undefined;

    chat: ChatControllerDeps["chat"] = (request, onDelta, signal) => {
        this.requests.push(structuredClone(request));
        this.onDelta = onDelta;
        this.signal = signal;
        return new Promise((resolve, reject) => this.settle = {resolve, reject});
    };
    delta(text: string) {
        this.onDelta(text);
    }
    finish(result: ChatResult) {
        this.settle!.resolve(result);
    }
    fail(error: unknown) {
        this.settle!.reject(error);
    }
}

function setup(store = new MemoryStore(), server = new FakeServer()) {
    const posted: ToWebview[] = [];
    let n = 0;
    let t = 1000;
    const removed: string[] = [];
    const controller = new ChatController({
        post: (m) => posted.push(structuredClone(m)),
        history: new ConversationHistory(store),
        chat: server.chat,
        context: {
            chips: () => [{id: "active", label: "a.ts", auto: true}],
            resolve: async () => [{label: "a.ts", text: "let a = 1;"}],
            remove: (id) => removed.push(id),
            pick: async () => {}
        },
        codeAction: async () => {},
        log: () => {},
        newId: () => `c${++n}`,
        now: () => t++,
        stopGraceMs: 50
    });
    return {controller, posted, server, store, removed, types: () => posted.map((m) => m.type)};
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("chat message map", () => {
    it("accepts well-formed webview messages and drops extra fields", () => {
        assert.deepEqual(parseFromWebview({type: "send", text: "hi", extra: 1}), {type: "send", text: "hi"});
        assert.deepEqual(parseFromWebview({type: "ready"}), {type: "ready"});
        assert.deepEqual(parseFromWebview({type: "applyToFile", code: "x", language: "ts"}),
            {type: "applyToFile", code: "x", language: "ts"});
        assert.deepEqual(parseFromWebview({type: "copy", code: "x"}), {type: "copy", code: "x"});
        assert.deepEqual(parseFromWebview({type: "openConversation", id: "c1"}), {type: "openConversation", id: "c1"});
    });

    it("rejects malformed ones", () => {
        for (const bad of [null, "send", {}, {type: "send"}, {type: "send", text: 5}, {type: "openConversation"},
            {type: "copy", code: "x", language: 3}, {type: "eval", code: "x"}, {type: "removeContext", id: "x".repeat(500)}]) {
            assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
        }
    });
});

describe("chat controller", () => {
    it("sends the conversation with the attached context and streams the reply", async () => {
        const {controller, posted, server, types} = setup();
        const sent = controller.handle({type: "send", text: "What does a do?"});
        await tick();
        assert.deepEqual(server.requests[0], {messages: [{role: "user", content: "What does a do?"}],
            context: [{label: "a.ts", text: "let a = 1;"}]});
        server.delta("It ");
        server.delta("sets a.");
        server.finish({content: "It sets a.", omitted: ["big.ts"]});
        await sent;
        assert.deepEqual(types(), ["conversation", "history", "streamStart", "streamDelta", "streamDelta", "history", "streamEnd"]);
        assert.deepEqual(posted.at(-1), {type: "streamEnd", omitted: ["big.ts"]});
        const history = posted.filter((m) => m.type === "history").at(-1);
        assert.deepEqual(history, {type: "history", conversations: [{id: "c1", title: "What does a do?", updated: 1002}]});
    });

    it("Stop cancels the request and keeps what was generated", async () => {
        const {controller, posted, server, store} = setup();
        const sent = controller.handle({type: "send", text: "long answer please"});
        await tick();
        server.delta("partial");
        await controller.handle({type: "stop"});
        assert.equal(server.signal?.aborted, true);
        server.finish({content: "partial"});
        await sent;
        assert.deepEqual(posted.at(-1), {type: "streamEnd", stopped: true});
        await controller.handle({type: "ready"});
        const conversation = posted.filter((m) => m.type === "conversation").at(-1);
        assert.deepEqual(conversation, {type: "conversation", id: "c1",
            messages: [{role: "user", content: "long answer please"}, {role: "assistant", content: "partial", stopped: true}]});
        // Reopened from History (after a reload), the reply still says it was stopped.
        const reopened = setup(store);
        await reopened.controller.handle({type: "openConversation", id: "c1"});
        const shown = reopened.posted.filter((m) => m.type === "conversation").at(-1) as {messages: {stopped?: boolean}[]};
        assert.equal(shown.messages.at(-1)!.stopped, true);
    });

    it("gives up waiting for a server that does not answer a stop", async () => {
        const {controller, posted, server} = setup();
        const sent = controller.handle({type: "send", text: "q"});
        await tick();
        server.delta("so far");
        controller.stop();
        await sent; // stopGraceMs = 50
        assert.deepEqual(posted.at(-1), {type: "streamEnd", stopped: true});
    });

    it("reports a failed request in the panel", async () => {
        const {controller, posted, server} = setup();
        const sent = controller.handle({type: "send", text: "q"});
        await tick();
        server.fail(new Error("No model is configured."));
        await sent;
        assert.deepEqual(posted.at(-1), {type: "streamEnd", error: "No model is configured."});
    });

    it("re-sends everything to a re-created view, including a reply still streaming", async () => {
        const {controller, posted, server} = setup();
        controller.setState({status: "ready", message: "Ready", modelName: "gemma-2-2b-it", backend: "cuda", contextSize: 8192});
        const sent = controller.handle({type: "send", text: "q"});
        await tick();
        server.delta("abc");
        posted.length = 0;
        await controller.handle({type: "ready"});
        assert.deepEqual(posted, [
            {type: "state", status: "ready", text: "gemma-2-2b-it · CUDA · 8,192-token context"},
            {type: "conversation", id: "c1", messages: [{role: "user", content: "q"}]},
            {type: "history", conversations: [{id: "c1", title: "q", updated: 1001}]},
            {type: "context", chips: [{id: "active", label: "a.ts", auto: true}]},
            {type: "streamStart"},
            {type: "streamDelta", text: "abc"}
        ]);
        server.finish({content: "abc"});
        await sent;
    });

    it("keeps conversations across a reload, reopens and deletes them", async () => {
        const store = new MemoryStore();
        const first = setup(store);
        const sent = first.controller.handle({type: "send", text: "first question"});
        await tick();
        first.server.finish({content: "first answer"});
        await sent;

        const reloaded = setup(store);
        await reloaded.controller.handle({type: "ready"});
        const history = reloaded.posted.find((m) => m.type === "history");
        assert.deepEqual(history, {type: "history", conversations: [{id: "c1", title: "first question", updated: 1002}]});
        await reloaded.controller.handle({type: "openConversation", id: "c1"});
        assert.deepEqual(reloaded.posted.filter((m) => m.type === "conversation").at(-1), {type: "conversation", id: "c1",
            messages: [{role: "user", content: "first question"}, {role: "assistant", content: "first answer"}]});
        await reloaded.controller.handle({type: "deleteConversation", id: "c1"});
        assert.deepEqual(reloaded.posted.filter((m) => m.type === "history").at(-1), {type: "history", conversations: []});
        assert.equal(reloaded.posted.filter((m) => m.type === "conversation").at(-1)?.type, "conversation");
        assert.deepEqual(new ConversationHistory(store).list(), []);
    });

    it("New Chat during a reply stops it, saves it to its own conversation, and shows nothing of it", async () => {
        const {controller, posted, server, store} = setup();
        const sent = controller.handle({type: "send", text: "q1"});
        await tick();
        server.delta("half");
        await controller.handle({type: "newChat"});
        assert.equal(server.signal?.aborted, true);
        const count = posted.length;
        server.delta(" more");
        server.finish({content: "half more"});
        await sent;
        assert.ok(posted.slice(count).every((m) => m.type === "history"), JSON.stringify(posted.slice(count)));
        assert.deepEqual(new ConversationHistory(store).get("c1")?.messages.at(-1), {role: "assistant", content: "half more", stopped: true});
    });

    it("shows an explanation as a new conversation", async () => {
        const {controller, posted} = setup();
        await controller.showReply("Explain `add` (math.ts:1-3)", async (onDelta) => {
            onDelta("Adds ");
            onDelta("numbers.");
            return "Adds numbers.";
        });
        assert.deepEqual(posted.filter((m) => m.type === "conversation").at(-1), {type: "conversation", id: "c2",
            messages: [{role: "user", content: "Explain `add` (math.ts:1-3)"}]});
        await controller.handle({type: "ready"});
        assert.deepEqual(posted.filter((m) => m.type === "conversation").at(-1), {type: "conversation", id: "c2",
            messages: [{role: "user", content: "Explain `add` (math.ts:1-3)"}, {role: "assistant", content: "Adds numbers."}]});
    });

    it("passes chip removal to the context source and re-sends the chips", async () => {
        const {controller, removed, posted} = setup();
        await controller.handle({type: "removeContext", id: "active"});
        assert.deepEqual(removed, ["active"]);
        assert.equal(posted.at(-1)?.type, "context");
    });

    it("the state line says what is wrong when the model is not ready", () => {
        assert.deepEqual(stateLine({status: "noModel", message: "Select a GGUF model file."}),
            {status: "noModel", text: "Gemma has no model yet. Select a GGUF model file.", detail: "Select a GGUF model file."});
        assert.deepEqual(stateLine({status: "ready", message: "", modelPath: "/m/gemma-2-9b-it-Q4_K_M.gguf", backend: "cpu"}),
            {status: "ready", text: "gemma-2-9b-it-Q4_K_M.gguf · CPU"});
    });
});

describe("chat history", () => {
    it("keeps the most recent conversations, newest first", async () => {
        const h = new ConversationHistory(new MemoryStore(), 2);
        for (let i = 1; i <= 3; i++) {
            await h.save({id: `c${i}`, title: `t${i}`, created: i, updated: i, messages: [{role: "user", content: "x"}]});
        }
        assert.deepEqual(h.list().map((c) => c.id), ["c3", "c2"]);
    });

    it("ignores stored entries it cannot show", () => {
        const store = new MemoryStore();
        store.map.set("gemmaCode.chat.conversations", [{id: 1}, null, {id: "ok", title: "t", updated: 1, created: 1, messages: []}]);
        assert.deepEqual(new ConversationHistory(store).list().map((c) => c.id), ["ok"]);
    });

    it("titles a conversation with the first line of its first question", () => {
        assert.equal(titleOf([{role: "user", content: "\n  How do I parse JSON?\nwith details"}]), "How do I parse JSON?");
        assert.equal(titleOf([{role: "user", content: "x".repeat(80)}]).length, 60);
        assert.equal(titleOf([]), "Conversation");
    });
});

describe("chat webview HTML", () => {
    it("has the strict CSP with a fresh nonce on each render", () => {
        const input = {cspSource: "https://webview.test", scriptUri: "https://webview.test/dist/webview.js",
            styleUri: "https://webview.test/media/chat.css", init: webviewInit("en")};
        const a = chatHtml(input);
        const b = chatHtml(input);
        const nonceOf = (html: string) => /script nonce="([^"]+)"/.exec(html)![1];
        assert.notEqual(nonceOf(a), nonceOf(b));
        assert.ok(nonceOf(a).length >= 16);
        assert.ok(a.includes(`content="${contentSecurityPolicy(input.cspSource, nonceOf(a))}"`));
        assert.equal(contentSecurityPolicy("https://webview.test", "N"), "default-src 'none'; style-src https://webview.test; "
            + "script-src 'nonce-N'; img-src https://webview.test data:; font-src https://webview.test");
        assert.equal((a.match(/<script/g) ?? []).length, 1, "one script, ours");
    });
});

describe("applying code to a document", () => {
    it("replaces only what changed", () => {
        assert.deepEqual(minimalReplacement("abcXdef", "abcYYdef"), {start: 3, end: 4, text: "YY"});
        assert.deepEqual(minimalReplacement("same", "same"), {start: 4, end: 4, text: ""});
        assert.deepEqual(minimalReplacement("", "new"), {start: 0, end: 0, text: "new"});
        // A changed surrogate pair is replaced whole.
        const r = minimalReplacement("a\u{1F600}b", "a\u{1F601}b");
        assert.deepEqual(r, {start: 1, end: 3, text: "\u{1F601}"});
        // CRLF is never split.
        const c = minimalReplacement("x\r\ny", "x\ny");
        assert.equal("x\r\ny".slice(0, c.start) + c.text + "x\r\ny".slice(c.end), "x\ny");
        assert.notEqual("x\r\ny"[c.start - 1], "\r");
    });

    it("keeps a code block's final newline only where a line ends, and the file's line endings", () => {
        assert.equal(fitTrailingNewline("a()\n", false), "a()");
        assert.equal(fitTrailingNewline("a()\n", true), "a()\n");
        assert.equal(fitTrailingNewline("a()", true), "a()\n");
        assert.equal(withEol("a\nb\n", "\r\n"), "a\r\nb\r\n");
        assert.equal(withEol("a\r\nb", "\n"), "a\nb");
    });
});
