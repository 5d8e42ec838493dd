// The chat panel's state machine on the extension side: which conversation is shown, the reply being streamed,
// and what each webview message does. It imports nothing from vscode (the seams are ChatControllerDeps), so the
// unit tests drive it with fakes.
import type {ChatResult, ServerState} from "../../protocol/lsp";
import type {ChatMessage, CodeAction, ContextChip, FromWebview, ToWebview} from "../../protocol/webview";
import {type Conversation, ConversationHistory, titleOf} from "./history";
import * as l10n from "../l10n";
import {stateHeadline} from "../stateText";

export type ContextItem = {label: string; text: string};

/**
 * Produces one reply: calls onDelta with each piece of text as it arrives and resolves with the whole reply
 * (a string or a ChatResult). When `signal` aborts it should stop and resolve with what it has, or reject.
 */
export type ReplyProducer = (onDelta: (text: string) => void, signal: AbortSignal)
    => Promise<ChatResult | string | void>;

export interface ChatContextSource {
    chips(): ContextChip[];
    /** The text of the chips as they are now (read at send time, so edits made since attaching count). */
    resolve(): Promise<ContextItem[]>;
    remove(id: string): void;
    pick(): Promise<void>;
}

export interface ChatControllerDeps {
    post(message: ToWebview): void;
    history: ConversationHistory;
    chat(request: {messages: ChatMessage[]; context: ContextItem[]}, onDelta: (text: string) => void,
        signal: AbortSignal): Promise<ChatResult>;
    context: ChatContextSource;
    codeAction(action: CodeAction, code: string, language?: string): Promise<void>;
    log(message: string): void;
    newId(): string;
    now?(): number;
    /** How long a stopped reply may take to settle before the panel gives up waiting for the server. */
    stopGraceMs?: number;
}

interface Stream {
    conversation: Conversation;
    text: string;
    abort: AbortController;
    done: Promise<void>;
}

export class ChatController {
    private current: Conversation;
    private stream: Stream | undefined;
    private state: {status: ServerState["status"]; text: string; detail?: string} = {status: "loading", text: l10n.t("Starting Gemma…")};
    private readonly deleted = new Set<string>();

    constructor(private readonly deps: ChatControllerDeps) {
        this.current = this.fresh();
    }

    setState(s: ServerState) {
        this.state = stateLine(s);
        this.deps.post({type: "state", ...this.state});
    }

    postContext() {
        this.deps.post({type: "context", chips: this.deps.context.chips()});
    }

    async handle(msg: FromWebview): Promise<void> {
        switch (msg.type) {
            case "ready":
                return this.resync();
            case "send":
                return this.send(msg.text);
            case "stop":
                return this.stop();
            case "newChat":
                return this.newChat();
            case "openConversation":
                return this.open(msg.id);
            case "deleteConversation":
                return this.delete(msg.id);
            case "removeContext":
                this.deps.context.remove(msg.id);
                return this.postContext();
            case "addContext":
                await this.deps.context.pick();
                return this.postContext();
            case "copy":
            case "insertAtCursor":
            case "applyToFile":
                return this.deps.codeAction(msg.type, msg.code, msg.language);
        }
    }

    /** Everything the view shows, for a view that was (re)created, including a reply still streaming. */
    resync() {
        const post = this.deps.post;
        post({type: "state", ...this.state});
        post({type: "conversation", id: this.current.id, messages: this.current.messages});
        post({type: "history", conversations: this.deps.history.list()});
        this.postContext();
        if (this.stream && this.stream.conversation === this.current) {
            post({type: "streamStart"});
            if (this.stream.text) post({type: "streamDelta", text: this.stream.text});
        }
    }

    async send(text: string) {
        if (this.stream || !text.trim()) return;
        const conversation = this.current;
        await this.addMessage(conversation, {role: "user", content: text});
        await this.reply(conversation, async (onDelta, signal) => {
            const context = await this.deps.context.resolve();
            return this.deps.chat({messages: conversation.messages.map(({role, content}) => ({role, content})), context}, onDelta, signal);
        });
    }

    /** Opens a new conversation whose first message is `title` and streams `produce`'s text as the reply. */
    async showReply(title: string, produce: ReplyProducer) {
        this.detachStream();
        this.current = this.fresh();
        await this.addMessage(this.current, {role: "user", content: title});
        await this.reply(this.current, produce);
    }

    stop() {
        this.stream?.abort.abort();
    }

    async newChat() {
        this.detachStream();
        this.current = this.fresh();
        this.postConversation();
    }

    async open(id: string) {
        const conversation = this.deps.history.get(id);
        if (!conversation) return this.postHistory();
        this.detachStream();
        this.current = conversation;
        this.postConversation();
    }

    async delete(id: string) {
        this.deleted.add(id);
        if (this.stream?.conversation.id === id) this.detachStream();
        await this.deps.history.delete(id);
        if (this.current.id === id) {
            this.current = this.fresh();
            this.postConversation();
        } else {
            this.postHistory();
        }
    }

    /** Resolves when the reply streaming now (if any) has ended. */
    async idle() {
        await this.stream?.done;
    }

    private async reply(conversation: Conversation, produce: ReplyProducer) {
        const abort = new AbortController();
        let finish!: () => void;
        const stream: Stream = {conversation, text: "", abort, done: new Promise((r) => finish = r)};
        this.stream = stream;
        const shown = () => this.current === conversation;
        this.deps.post({type: "streamStart"});

        const end: Extract<ToWebview, {type: "streamEnd"}> = {type: "streamEnd"};
        let content: string | undefined;
        try {
            const result = await untilStoppedTooLong(produce((delta) => {
                if (abort.signal.aborted && this.stream !== stream) return;
                stream.text += delta;
                if (this.stream === stream && shown()) this.deps.post({type: "streamDelta", text: delta});
            }, abort.signal), abort.signal, this.deps.stopGraceMs ?? 5000);
            content = typeof result === "string" ? result : result?.content;
            if (typeof result === "object" && result?.omitted?.length) end.omitted = result.omitted;
        } catch (error) {
            if (!abort.signal.aborted) {
                end.error = errorText(error);
                this.deps.log(`Chat request failed: ${end.error}`);
            }
        }
        if (abort.signal.aborted) end.stopped = true;
        // The final result is the whole reply; prefer it to the sum of the deltas, but not an empty one.
        const reply = content || stream.text;
        if (this.stream === stream) this.stream = undefined;
        if (reply) {
            await this.addMessage(conversation, {role: "assistant", content: reply, ...(end.stopped ? {stopped: true} : {})}, false);
            if (reply !== stream.text && shown()) this.postConversation();
        }
        if (shown()) this.deps.post(end);
        finish();
    }

    /** Stops the reply streaming now and forgets it: its end is saved but no longer shown. */
    private detachStream() {
        if (!this.stream) return;
        this.stream.abort.abort();
        this.stream = undefined;
    }

    private async addMessage(conversation: Conversation, message: ChatMessage, post = true) {
        conversation.messages.push(message);
        conversation.updated = this.now();
        if (conversation.title === "") conversation.title = titleOf(conversation.messages);
        if (this.deleted.has(conversation.id)) return;
        await this.deps.history.save(conversation);
        if (post && this.current === conversation) this.postConversation();
        else this.postHistory();
    }

    private postConversation() {
        this.deps.post({type: "conversation", id: this.current.id, messages: this.current.messages});
        this.postHistory();
    }

    private postHistory() {
        this.deps.post({type: "history", conversations: this.deps.history.list()});
    }

    private fresh(): Conversation {
        const now = this.now();
        return {id: this.deps.newId(), title: "", created: now, updated: now, messages: []};
    }

    private now() {
        return this.deps.now?.() ?? Date.now();
    }
}

/** Resolves with the reply, or with nothing once `graceMs` have passed after a stop (a hung server). */
function untilStoppedTooLong<T>(reply: Promise<T>, signal: AbortSignal, graceMs: number): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const onAbort = () => timer = setTimeout(() => resolve(undefined), graceMs);
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, {once: true});
        reply.then(resolve, reject).finally(() => {
            clearTimeout(timer);
            signal.removeEventListener("abort", onAbort);
        });
    });
}

function errorText(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** The panel's one-line model state. */
export function stateLine(s: ServerState): {status: ServerState["status"]; text: string; detail?: string} {
    // The headline in the display language; the server's sentence (what is wrong, what to do) follows it.
    if (s.status !== "ready") {
        const headline = stateHeadline(s.status);
        return {status: s.status, text: !s.message || s.message === headline ? headline : `${headline} ${s.message}`, detail: s.message};
    }
    const name = s.modelName ?? s.modelPath?.split(/[\\/]/).pop() ?? "Gemma";
    const parts = [name];
    if (s.backend) parts.push(s.backend === "cpu" ? "CPU" : s.backend.toUpperCase());
    if (s.contextSize) parts.push(l10n.t("{0}-token context", l10n.formatNumber(s.contextSize)));
    return {status: "ready", text: parts.join(" · ")};
}
