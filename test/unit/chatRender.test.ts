// The chat panel's rendering, in Node with jsdom standing in for the webview: markdown, highlighted code blocks,
// and above all that a hostile reply produces no DOM that could run anything. Also the view's keyboard and
// message handling (media/chatView.ts), driven with ToWebview messages as the extension would send them.
import assert from "node:assert/strict";
import {createRequire} from "node:module";
import type {FromWebview} from "../../protocol/webview";
import {ChatView} from "../../media/chatView";
import {createRenderer, decorateCodeBlocks} from "../../media/render";
import {webviewInit, webviewStrings} from "../../src/chat/webviewStrings";

// jsdom reads its own files at run time, so it cannot be bundled; load it from node_modules.
const {JSDOM} = createRequire(__filename)("jsdom") as typeof import("jsdom");

function newWindow() {
    return new JSDOM("<!DOCTYPE html><html><body></body></html>", {pretendToBeVisual: true}).window as unknown as Window;
}

function html(fragment: DocumentFragment, win: Window) {
    const div = win.document.createElement("div");
    div.append(fragment);
    return div;
}

const EXECUTABLE_TAGS = new Set(["SCRIPT", "IFRAME", "FRAME", "OBJECT", "EMBED", "IMG", "SVG", "MATH", "STYLE", "LINK",
    "META", "BASE", "FORM", "INPUT", "VIDEO", "AUDIO", "SOURCE", "IMAGE", "AREA", "PORTAL"]);
const URL_ATTRS = new Set(["src", "srcset", "action", "formaction", "xlink:href", "background", "poster", "data"]);

/** Fails on anything under `root` that could run script, load a resource, or navigate somewhere unsafe. */
function assertInert(root: Element) {
    for (const el of Array.from(root.querySelectorAll("*"))) {
        assert.ok(!EXECUTABLE_TAGS.has(el.tagName.toUpperCase()), `<${el.tagName.toLowerCase()}> in ${root.innerHTML}`);
        for (const a of Array.from(el.attributes)) {
            assert.ok(!/^on/i.test(a.name), `${a.name} attribute on <${el.tagName.toLowerCase()}>`);
            assert.ok(!URL_ATTRS.has(a.name.toLowerCase()), `${a.name} attribute on <${el.tagName.toLowerCase()}>`);
            assert.notEqual(a.name.toLowerCase(), "style", "style attribute");
            if (a.name.toLowerCase() === "href") assert.match(a.value, /^(https?:|mailto:)/i, `href=${a.value}`);
        }
    }
}

const HOSTILE_REPLY = [
    "Here you go:",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1)) and [encoded](jav&#x09;ascript:alert(1))",
    "<iframe src=\"https://evil.example/\"></iframe>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data link</a>",
    "[data md](data:text/html,<script>alert(1)</script>)",
    "<div onclick=\"alert(1)\" onmouseover=alert(1)>hover</div>",
    "![tracker](https://evil.example/pixel.png)",
    "<svg onload=alert(1)><circle/></svg> <style>body{display:none}</style>",
    "[fine](https://example.com/docs)"
].join("\n\n");

describe("chat rendering", () => {
    let win: Window;
    beforeEach(() => {
        win = newWindow();
    });

    it("renders markdown: headings, emphasis, lists, inline code and links", () => {
        const {render} = createRenderer(win);
        const out = html(render("# Title\n\nSome **bold** and *em* text with `code`.\n\n- one\n- two\n\n"
            + "See [the docs](https://example.com/x) or [mail](mailto:a@example.com)."), win);
        assert.equal(out.querySelector("h1")?.textContent, "Title");
        assert.equal(out.querySelector("strong")?.textContent, "bold");
        assert.equal(out.querySelector("em")?.textContent, "em");
        assert.equal(out.querySelector("p code")?.textContent, "code");
        assert.equal(out.querySelectorAll("ul li").length, 2);
        const links = Array.from(out.querySelectorAll("a")).map((a) => a.getAttribute("href"));
        assert.deepEqual(links, ["https://example.com/x", "mailto:a@example.com"]);
    });

    it("does not turn bare URLs into links (linkify is off)", () => {
        const out = html(createRenderer(win).render("go to https://example.com now"), win);
        assert.equal(out.querySelector("a"), null);
        assert.match(out.textContent!, /https:\/\/example\.com/);
    });

    it("highlights code blocks of registered languages and escapes the others", () => {
        const {render} = createRenderer(win);
        const out = html(render("```ts\nconst x: number = 1; // one\n```\n\n```brainfuck\n<b>+-</b>\n```"), win);
        const [ts, other] = Array.from(out.querySelectorAll("pre code"));
        assert.ok(ts.classList.contains("language-ts"));
        assert.equal(ts.querySelector(".hljs-keyword")?.textContent, "const");
        assert.ok(ts.querySelector(".hljs-comment"));
        assert.equal(ts.textContent, "const x: number = 1; // one\n");
        assert.equal(other.children.length, 0, "an unknown language stays plain text");
        assert.equal(other.textContent, "<b>+-</b>\n");
    });

    it("adds Copy, Insert at Cursor and Apply to File buttons to each code block", () => {
        const {render} = createRenderer(win);
        const fragment = render("```python\nprint(1)\n```\n\ntext\n\n```\nplain\n```");
        decorateCodeBlocks(fragment, win.document, webviewStrings());
        const out = html(fragment, win);
        const blocks = out.querySelectorAll(".code-block");
        assert.equal(blocks.length, 2);
        const actions = Array.from(blocks[0].querySelectorAll("button")).map((b) => [b.dataset.action, b.textContent]);
        assert.deepEqual(actions, [["copy", "Copy"], ["insertAtCursor", "Insert at Cursor"], ["applyToFile", "Apply to File"]]);
        assert.equal(blocks[0].querySelector("[role=toolbar]")?.getAttribute("aria-label"), "python code actions");
        assert.equal(blocks[0].querySelector("pre code")?.textContent, "print(1)\n");
    });

    it("renders a hostile reply as inert text", () => {
        const out = html(createRenderer(win).render(HOSTILE_REPLY), win);
        assertInert(out);
        // Raw HTML is shown as text, not dropped: the user sees what the model tried.
        assert.match(out.textContent!, /<script>alert\(1\)<\/script>/);
        assert.match(out.textContent!, /<img src=x onerror=alert\(1\)>/);
        const hrefs = Array.from(out.querySelectorAll("a")).map((a) => a.getAttribute("href"));
        assert.deepEqual(hrefs, ["https://evil.example/pixel.png", "https://example.com/docs"],
            "only the http(s) links survive (the image became a plain link)");
        assert.match(out.textContent!, /\bencoded\b/, "a refused link stays as its text");
    });

    it("sanitises raw hostile HTML too (the second layer, should markdown-it ever let HTML through)", () => {
        const {sanitize} = createRenderer(win);
        const out = html(sanitize(`<span class="code-actions hljs-keyword">x</span><a href="https://ok.example">ok</a>
            <img src=x onerror=alert(1)><script>alert(1)</script><iframe src="https://evil.example"></iframe>
            <a href="javascript:alert(1)">js</a><a href=" JaVaScRiPt:alert(1)">js2</a>
            <a href="data:text/html,<script>alert(1)</script>">data</a><a href="vscode://x">scheme</a>
            <a href="command:workbench.action.terminal.new">cmd</a><a href="relative/path">rel</a>
            <p onclick="alert(1)" style="color:red" data-x="1">p</p><details open ontoggle=alert(1)>d</details>
            <svg><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">m</mi></math>
            <form action="https://evil.example"><input autofocus onfocus=alert(1)><button formaction=x>b</button></form>
            <object data="x"></object><embed src="x"><style>*{}</style><link rel=stylesheet href=x>
            <meta http-equiv=refresh content="0;url=https://evil.example"><base href="https://evil.example/">
            <noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`), win);
        assertInert(out);
        assert.deepEqual(Array.from(out.querySelectorAll("a")).map((a) => a.getAttribute("href")),
            ["https://ok.example"]);
        assert.equal(out.querySelector("span")?.className, "hljs-keyword", "only highlight.js classes are kept");
        assert.equal(out.querySelector("button"), null, "a reply cannot make buttons");
    });
});

describe("chat view (webview DOM)", () => {
    let win: Window;
    let posted: FromWebview[];
    let state: unknown;
    let view: ChatView;

    beforeEach(() => {
        win = newWindow();
        posted = [];
        state = undefined;
        view = new ChatView(win.document, webviewInit("en"), {post: (m) => posted.push(m), getState: () => state, setState: (s) => state = s});
        view.start();
    });

    const $ = <T extends Element = HTMLElement>(sel: string) => win.document.querySelector(sel) as T;
    const key = (target: EventTarget, k: string, init: KeyboardEventInit = {}) =>
        target.dispatchEvent(new (win as unknown as typeof globalThis).KeyboardEvent("keydown",
            {key: k, bubbles: true, cancelable: true, ...init}));

    it("says ready, and has labelled regions", () => {
        assert.deepEqual(posted, [{type: "ready"}]);
        assert.equal($("#log").getAttribute("role"), "log");
        assert.equal($("#log").getAttribute("aria-live"), "polite");
        assert.equal($("#state").getAttribute("role"), "status");
        assert.ok($("#input").getAttribute("aria-label"));
    });

    it("Enter sends, Shift+Enter does not, Escape stops a streaming reply", () => {
        const input = $<HTMLTextAreaElement>("#input");
        input.value = "first line";
        key(input, "Enter", {shiftKey: true});
        assert.equal(posted.length, 1, "Shift+Enter must not send");
        key(input, "Enter");
        assert.deepEqual(posted.at(-1), {type: "send", text: "first line"});
        assert.equal(input.value, "");

        key(win.document.body, "Escape");
        assert.equal(posted.at(-1)?.type, "send", "Escape does nothing when no reply streams");
        view.handle({type: "streamStart"});
        assert.equal($("#stop").hidden, false);
        assert.equal($("#send").hidden, true);
        key(input, "Escape");
        assert.deepEqual(posted.at(-1), {type: "stop"});
    });

    it("@ at the start of a word asks for the file picker; elsewhere it types", () => {
        const input = $<HTMLTextAreaElement>("#input");
        key(input, "@");
        assert.deepEqual(posted.at(-1), {type: "addContext"});
        input.value = "me";
        input.setSelectionRange(2, 2);
        const n = posted.length;
        assert.equal(key(input, "@"), true, "not prevented: the @ is typed");
        assert.equal(posted.length, n);
    });

    it("streams a hostile reply into inert DOM and shows the omitted-context note", () => {
        view.handle({type: "conversation", id: "c1", messages: [{role: "user", content: "<b>hi</b>"}]});
        assert.equal($(".message.user .body").textContent, "<b>hi</b>", "user text is shown as typed");
        assert.equal($(".message.user b"), null);
        view.handle({type: "streamStart"});
        assert.equal($(".message.assistant").getAttribute("aria-busy"), "true");
        // Split mid-tag, as a real stream does.
        for (const piece of HOSTILE_REPLY.match(/[\s\S]{1,7}/g)!) {
            view.handle({type: "streamDelta", text: piece});
            view.flush();
            assertInert($("#log"));
        }
        view.handle({type: "streamEnd", omitted: ["big.ts", "notes.md"]});
        assertInert($("#log"));
        assert.equal($(".message.assistant").getAttribute("aria-busy"), null);
        assert.match($(".note.omitted").textContent!, /big\.ts, notes\.md/);
        assert.equal($("#send").hidden, false);
    });

    it("shows errors as alerts and 'Stopped.' after a stop", () => {
        view.handle({type: "streamStart"});
        view.handle({type: "streamDelta", text: "partial"});
        view.handle({type: "streamEnd", stopped: true});
        assert.equal($(".note.stopped").textContent, "Stopped.");
        assert.equal($(".message.assistant .body").textContent!.trim(), "partial");
        view.handle({type: "streamStart"});
        view.handle({type: "streamEnd", error: "The model is not loaded."});
        assert.equal($(".note.error").getAttribute("role"), "alert");
        assert.equal(win.document.querySelectorAll(".message.assistant").length, 1, "an empty reply is removed");
        // The same conversation reopened from History keeps its "Stopped." note after the stopped reply.
        view.handle({type: "conversation", id: "c1", messages: [{role: "user", content: "q"}, {role: "assistant", content: "partial", stopped: true}]});
        assert.equal($(".message.assistant + .note.stopped").textContent, "Stopped.");
    });

    it("code block buttons post the block's code and language", () => {
        view.handle({type: "conversation", id: "c1",
            messages: [{role: "user", content: "q"}, {role: "assistant", content: "```ts\nlet a = 1;\n```"}]});
        $<HTMLButtonElement>("button[data-action=applyToFile]").click();
        assert.deepEqual(posted.at(-1), {type: "applyToFile", code: "let a = 1;\n", language: "ts"});
        $<HTMLButtonElement>("button[data-action=copy]").click();
        assert.deepEqual(posted.at(-1), {type: "copy", code: "let a = 1;\n", language: "ts"});
    });

    it("shows context chips that can be removed, the state line and the history", () => {
        view.handle({type: "context", chips: [{id: "active", label: "src/a.ts:3-9", auto: true}, {id: "f1", label: "b.ts"}]});
        assert.deepEqual(Array.from(win.document.querySelectorAll(".chip span")).map((s) => s.textContent),
            ["src/a.ts:3-9", "b.ts"]);
        $<HTMLButtonElement>("button[data-chip=f1]").click();
        assert.deepEqual(posted.at(-1), {type: "removeContext", id: "f1"});

        view.handle({type: "state", status: "ready", text: "gemma-2-9b · CUDA"});
        assert.equal($("#state").textContent, "gemma-2-9b · CUDA");
        assert.ok($("#state").classList.contains("state-ready"));

        view.handle({type: "history", conversations: [{id: "h1", title: "How do I <b>?", updated: 1}]});
        $<HTMLButtonElement>("#history-toggle").click();
        assert.equal($("#history").hidden, false);
        assert.equal($(".history-open").textContent, "How do I <b>?");
        $<HTMLButtonElement>(".history-delete").click();
        assert.deepEqual(posted.at(-1), {type: "deleteConversation", id: "h1"});
        $<HTMLButtonElement>(".history-open").click();
        assert.deepEqual(posted.at(-1), {type: "openConversation", id: "h1"});
        assert.equal($("#history").hidden, true);
    });

    it("keeps the draft in the webview state", () => {
        const input = $<HTMLTextAreaElement>("#input");
        input.value = "half-typed";
        input.dispatchEvent(new (win as unknown as typeof globalThis).Event("input"));
        assert.deepEqual(state, {draft: "half-typed"});
        const again = new ChatView(win.document, webviewInit("en"), {post: () => {}, getState: () => state, setState: () => {}});
        assert.ok(again);
        assert.equal($<HTMLTextAreaElement>("#input").value, "half-typed");
    });

    it("in a right-to-left language: the page is rtl, each message dir=auto, code blocks ltr, texts from the extension", () => {
        const w = newWindow();
        const init = {...webviewInit("ar"), strings: {...webviewStrings(), send: "إرسال"}};
        const rtl = new ChatView(w.document, init, {post: () => {}, getState: () => undefined, setState: () => {}});
        assert.equal(w.document.documentElement.dir, "rtl");
        assert.equal(w.document.documentElement.lang, "ar");
        assert.equal(w.document.getElementById("send")!.textContent, "إرسال");
        rtl.handle({type: "conversation", id: "c", messages: [{role: "user", content: "ما هذا؟"},
            {role: "assistant", content: "دالة.\n\n```ts\nconst a = 1;\n```"}]});
        const bodies = [...w.document.querySelectorAll(".message .body")];
        assert.deepEqual(bodies.map((b) => b.getAttribute("dir")), ["auto", "auto"]);
        assert.equal(w.document.querySelector(".code-block")!.getAttribute("dir"), "ltr");
        assert.equal(webviewInit("hi").dir, "ltr");
    });
});
