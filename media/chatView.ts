// The chat panel's DOM and behaviour, independent of VS Code's webview API so that tests can run it in jsdom.
// The extension owns all state (conversations, history, context); this view shows what it is told and turns
// user input into FromWebview messages.
import {fill, type ChatMessage, type ContextChip, type ConversationSummary, type FromWebview, type ToWebview, type WebviewInit,
    type WebviewStrings} from "../protocol/webview";
import {codeLanguage, createRenderer, decorateCodeBlocks, type Renderer} from "./render";

export interface ViewHost {
    post(message: FromWebview): void;
    /** Persisted by the webview across hide/show (the draft), like acquireVsCodeApi().setState. */
    getState(): unknown;
    setState(state: unknown): void;
}

/** The panel's skeleton; every text in it is the extension's translation (attributes and text are escaped). */
function template(s: WebviewStrings): string {
    const e = (v: string) => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    return `
<header class="toolbar">
  <button type="button" id="history-toggle" aria-expanded="false" aria-controls="history">${e(s.history)}</button>
  <button type="button" id="new-chat" title="${e(s.newChatTitle)}">${e(s.newChat)}</button>
  <div class="state state-loading" role="status" id="state" dir="auto">${e(s.starting)}</div>
</header>
<nav id="history" aria-label="${e(s.historyLabel)}" hidden><ul></ul></nav>
<div id="log" role="log" aria-live="polite" aria-label="${e(s.conversationLabel)}" tabindex="0"></div>
<footer>
  <ul id="chips" aria-label="${e(s.attachedContext)}"></ul>
  <div class="input-row">
    <textarea id="input" rows="1" dir="auto" placeholder="${e(s.inputPlaceholder)}"
      aria-label="${e(s.inputLabel)}"></textarea>
    <div class="input-buttons">
      <button type="button" id="add-context" title="${e(s.attachTitle)}" aria-label="${e(s.attachLabel)}">@</button>
      <button type="button" id="send" title="${e(s.sendTitle)}">${e(s.send)}</button>
      <button type="button" id="stop" title="${e(s.stopTitle)}" hidden>${e(s.stop)}</button>
    </div>
  </div>
</footer>`;
}

export class ChatView {
    private readonly renderer: Renderer;
    private readonly el: {
        state: HTMLElement; log: HTMLElement; input: HTMLTextAreaElement; send: HTMLButtonElement;
        stop: HTMLButtonElement; chips: HTMLElement; history: HTMLElement; historyToggle: HTMLButtonElement;
    };
    private conversationId = "";
    private conversations: ConversationSummary[] = [];
    private stream: {text: string; body: HTMLElement; message: HTMLElement} | undefined;
    private renderPending = false;

    private readonly strings: WebviewStrings;

    constructor(private readonly doc: Document, init: WebviewInit, private readonly host: ViewHost) {
        const win = doc.defaultView!;
        this.renderer = createRenderer(win);
        this.strings = init.strings;
        // The panel's direction follows the display language; each message's follows its own text (dir="auto").
        doc.documentElement.lang = init.lang;
        doc.documentElement.dir = init.dir;
        doc.body.innerHTML = template(init.strings);
        const $ = <T extends HTMLElement>(id: string) => doc.getElementById(id) as T;
        this.el = {
            state: $("state"), log: $("log"), input: $("input"), send: $("send"), stop: $("stop"),
            chips: doc.querySelector("#chips")!, history: $("history"), historyToggle: $("history-toggle")
        };
        const draft = (host.getState() as {draft?: unknown} | undefined)?.draft;
        if (typeof draft === "string") this.el.input.value = draft;
        this.bind();
        this.autoGrow();
    }

    /** Tells the extension the view exists; it answers with the state, conversation, history and context. */
    start() {
        this.host.post({type: "ready"});
        this.el.input.focus();
    }

    handle(msg: ToWebview) {
        switch (msg.type) {
            case "state":
                this.el.state.textContent = msg.text;
                this.el.state.title = msg.detail ?? msg.text;
                this.el.state.className = `state state-${msg.status}`;
                break;
            case "conversation":
                this.showConversation(msg.id, msg.messages);
                break;
            case "history":
                this.conversations = msg.conversations;
                this.renderHistory();
                break;
            case "streamStart":
                this.startStream();
                break;
            case "streamDelta":
                if (!this.stream) this.startStream();
                this.stream!.text += msg.text;
                this.scheduleRender();
                break;
            case "streamEnd":
                this.endStream(msg);
                break;
            case "context":
                this.renderChips(msg.chips);
                break;
        }
    }

    /** Renders a pending streamed update now (tests; the view itself waits for the next frame). */
    flush() {
        this.renderPending = false;
        if (this.stream) this.renderInto(this.stream.body, this.stream.text);
    }

    private bind() {
        const {input, send, stop, log, chips, history, historyToggle} = this.el;
        input.addEventListener("keydown", (e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                this.submit();
            } else if (e.key === "@" && this.atWordStart()) {
                e.preventDefault();
                this.host.post({type: "addContext"});
            }
        });
        input.addEventListener("input", () => {
            this.autoGrow();
            this.host.setState({draft: input.value});
        });
        // On the document, so Escape stops from anywhere in the panel (the log, a code block's buttons).
        this.doc.addEventListener("keydown", (e) => {
            if (e.key === "Escape" && this.stream) {
                e.preventDefault();
                this.host.post({type: "stop"});
            }
        });
        send.addEventListener("click", () => this.submit());
        stop.addEventListener("click", () => this.host.post({type: "stop"}));
        this.doc.getElementById("new-chat")!.addEventListener("click", () => this.host.post({type: "newChat"}));
        this.doc.getElementById("add-context")!.addEventListener("click", () => this.host.post({type: "addContext"}));
        historyToggle.addEventListener("click", () => this.toggleHistory(history.hidden));
        log.addEventListener("click", (e) => {
            const button = (e.target as Element).closest<HTMLButtonElement>("button[data-action]");
            const code = button?.closest(".code-block")?.querySelector("pre code");
            if (!button || !code) return;
            const action = button.dataset.action as "copy" | "insertAtCursor" | "applyToFile";
            this.host.post({type: action, code: code.textContent ?? "", language: codeLanguage(code)});
        });
        chips.addEventListener("click", (e) => {
            const id = (e.target as Element).closest<HTMLElement>("button[data-chip]")?.dataset.chip;
            if (id) this.host.post({type: "removeContext", id});
        });
        history.addEventListener("click", (e) => {
            const button = (e.target as Element).closest<HTMLButtonElement>("button[data-id]");
            if (!button) return;
            const id = button.dataset.id!;
            if (button.dataset.op === "delete") {
                this.host.post({type: "deleteConversation", id});
            } else {
                this.host.post({type: "openConversation", id});
                this.toggleHistory(false);
            }
        });
    }

    private submit() {
        const text = this.el.input.value;
        if (!text.trim() || this.stream) return;
        this.host.post({type: "send", text});
        this.el.input.value = "";
        this.host.setState({draft: ""});
        this.autoGrow();
    }

    /** `@` attaches a file only where a mention could start, so e-mail addresses and decorators still type. */
    private atWordStart() {
        const {value, selectionStart} = this.el.input;
        return selectionStart === 0 || /\s/.test(value[selectionStart - 1] ?? "");
    }

    private autoGrow() {
        const input = this.el.input;
        input.style.height = "auto";
        if (input.scrollHeight) input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
    }

    private toggleHistory(open: boolean) {
        this.el.history.hidden = !open;
        this.el.historyToggle.setAttribute("aria-expanded", String(open));
        if (open) this.el.history.querySelector("button")?.focus();
    }

    private showConversation(id: string, messages: ChatMessage[]) {
        this.conversationId = id;
        this.stream = undefined;
        this.setStreaming(false);
        this.el.log.replaceChildren();
        if (messages.length === 0) {
            const empty = this.note(this.strings.empty, "empty");
            this.el.log.append(empty);
        }
        for (const m of messages) {
            this.appendMessage(m.role, m.content);
            if (m.stopped) this.el.log.append(this.note(this.strings.stopped, "stopped"));
        }
        this.renderHistory();
        this.scrollToEnd();
    }

    private appendMessage(role: ChatMessage["role"], content: string) {
        this.el.log.querySelector(".note.empty")?.remove();
        const message = this.doc.createElement("article");
        message.className = `message ${role}`;
        const who = this.doc.createElement("div");
        who.className = "who";
        who.textContent = role === "user" ? this.strings.you : this.strings.gemma;
        const body = this.doc.createElement("div");
        body.className = "body";
        // Hindi, Arabic, Urdu … : each message takes the direction of its own first strong character.
        body.dir = "auto";
        // The user's own text is shown as typed; only replies are markdown.
        if (role === "user") body.textContent = content;
        else this.renderInto(body, content);
        message.append(who, body);
        const follow = this.nearEnd();
        this.el.log.append(message);
        if (follow) this.scrollToEnd();
        return {message, body};
    }

    private renderInto(body: HTMLElement, markdown: string) {
        const follow = this.nearEnd();
        const fragment = this.renderer.render(markdown);
        decorateCodeBlocks(fragment, this.doc, this.strings);
        body.replaceChildren(fragment);
        if (follow) this.scrollToEnd();
    }

    private startStream() {
        const {message, body} = this.appendMessage("assistant", "");
        // Screen readers wait for aria-busy to clear instead of reading every partial re-render.
        message.setAttribute("aria-busy", "true");
        message.classList.add("streaming");
        this.stream = {text: "", body, message};
        this.setStreaming(true);
    }

    private scheduleRender() {
        if (this.renderPending) return;
        this.renderPending = true;
        const win = this.doc.defaultView!;
        const later = win.requestAnimationFrame?.bind(win) ?? ((f: () => void) => win.setTimeout(f, 16));
        later(() => {
            if (this.renderPending) this.flush();
        });
    }

    private endStream(end: Extract<ToWebview, {type: "streamEnd"}>) {
        const stream = this.stream;
        this.flush();
        const follow = this.nearEnd();
        this.stream = undefined;
        this.setStreaming(false);
        if (stream) {
            stream.message.removeAttribute("aria-busy");
            stream.message.classList.remove("streaming");
            if (!stream.text) stream.message.remove();
        }
        if (end.stopped) this.el.log.append(this.note(this.strings.stopped, "stopped"));
        if (end.omitted?.length) {
            this.el.log.append(this.note(fill(this.strings.omitted, end.omitted.join(this.strings.listSeparator)), "omitted"));
        }
        if (end.error) {
            const error = this.note(end.error, "error");
            error.setAttribute("role", "alert");
            this.el.log.append(error);
        }
        if (follow) this.scrollToEnd();
        this.el.input.focus();
    }

    private note(text: string, kind: string) {
        const note = this.doc.createElement("p");
        note.className = `note ${kind}`;
        note.dir = "auto";
        note.textContent = text;
        return note;
    }

    private setStreaming(on: boolean) {
        this.el.send.hidden = on;
        this.el.stop.hidden = !on;
        this.el.log.setAttribute("aria-busy", String(on));
    }

    private renderChips(chips: ContextChip[]) {
        this.el.chips.replaceChildren(...chips.map((chip) => {
            const li = this.doc.createElement("li");
            li.className = chip.auto ? "chip auto" : "chip";
            const label = this.doc.createElement("span");
            label.textContent = chip.label;
            label.title = chip.auto ? fill(this.strings.fromEditor, chip.label) : chip.label;
            label.dir = "auto";
            const remove = this.doc.createElement("button");
            remove.type = "button";
            remove.dataset.chip = chip.id;
            remove.textContent = "×";
            remove.setAttribute("aria-label", fill(this.strings.removeChip, chip.label));
            li.append(label, remove);
            return li;
        }));
    }

    private renderHistory() {
        const list = this.el.history.querySelector("ul")!;
        if (this.conversations.length === 0) {
            const li = this.doc.createElement("li");
            li.className = "history-empty";
            li.textContent = this.strings.noHistory;
            list.replaceChildren(li);
            return;
        }
        list.replaceChildren(...this.conversations.map((c) => {
            const li = this.doc.createElement("li");
            const open = this.doc.createElement("button");
            open.type = "button";
            open.className = "history-open";
            open.dataset.id = c.id;
            open.textContent = c.title;
            open.dir = "auto";
            open.title = `${c.title} — ${new Date(c.updated).toLocaleString(this.doc.documentElement.lang || undefined)}`;
            if (c.id === this.conversationId) open.setAttribute("aria-current", "true");
            const del = this.doc.createElement("button");
            del.type = "button";
            del.className = "history-delete";
            del.dataset.id = c.id;
            del.dataset.op = "delete";
            del.textContent = this.strings.delete;
            del.setAttribute("aria-label", fill(this.strings.deleteLabel, c.title));
            li.append(open, del);
            return li;
        }));
    }

    /** Measured before adding content: the log follows the stream only if the user has not scrolled up. */
    private nearEnd() {
        const log = this.el.log;
        return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    }

    private scrollToEnd() {
        this.el.log.scrollTop = this.el.log.scrollHeight;
    }
}
