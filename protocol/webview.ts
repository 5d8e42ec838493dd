// The one message map between the chat webview (media/) and the extension (src/chat/). Both sides import it, so
// a renamed field is a compile error on both. The webview is a separate, less trusted context: the extension
// validates every incoming message with parseFromWebview instead of trusting its shape.
import type {ChatMessage, ModelStatus} from "./lsp";

export type {ChatMessage, ModelStatus};

/** An item of attached context, shown as a removable chip above the input. */
export interface ContextChip {
    id: string;
    /** e.g. "sample.ts" or "sample.ts:12-20"; the same label the server reports in `omitted`. */
    label: string;
    /** Attached automatically from the active editor (selection or file) rather than picked with `@`. */
    auto?: boolean;
}

export interface ConversationSummary {
    id: string;
    title: string;
    /** Milliseconds since the epoch of the last message. */
    updated: number;
}

export type CodeAction = "copy" | "insertAtCursor" | "applyToFile";

/**
 * Every text the panel shows that is not a message: translated by the extension (src/chat/webviewStrings.ts,
 * through vscode.l10n) and given to the page in its HTML (WebviewInit), so media/ holds no English of its own.
 * `{0}` in a string is filled in by the page.
 */
export interface WebviewStrings {
    history: string;
    newChat: string;
    newChatTitle: string;
    starting: string;
    historyLabel: string;
    conversationLabel: string;
    attachedContext: string;
    inputPlaceholder: string;
    inputLabel: string;
    attachTitle: string;
    attachLabel: string;
    send: string;
    sendTitle: string;
    stop: string;
    stopTitle: string;
    empty: string;
    stopped: string;
    you: string;
    gemma: string;
    /** {0}: the labels left out, joined by the list separator. */
    omitted: string;
    listSeparator: string;
    /** {0}: the chip's label. */
    fromEditor: string;
    removeChip: string;
    noHistory: string;
    delete: string;
    /** {0}: the conversation's title. */
    deleteLabel: string;
    copy: string;
    copyTitle: string;
    insertAtCursor: string;
    insertAtCursorTitle: string;
    applyToFile: string;
    applyToFileTitle: string;
    codeActions: string;
    /** {0}: the code block's language. */
    codeActionsFor: string;
}

/** What the page knows before its first message: the display language, its direction, the strings. */
export interface WebviewInit {
    lang: string;
    dir: "ltr" | "rtl";
    strings: WebviewStrings;
}

/** `{0}`, `{1}` … of a WebviewStrings entry replaced by `args`. */
export function fill(template: string, ...args: string[]): string {
    return template.replace(/\{(\d+)\}/g, (m, i: string) => args[Number(i)] ?? m);
}

/** Extension → webview. */
export type ToWebview =
    /** The model state line: `status` picks the style, `text` is what the user reads. */
    | {type: "state"; status: ModelStatus; text: string; detail?: string}
    /** Replaces the whole conversation shown (new chat, reopened from history, after a send). */
    | {type: "conversation"; id: string; messages: ChatMessage[]}
    | {type: "history"; conversations: ConversationSummary[]}
    /** An assistant reply begins; deltas append to it until streamEnd. */
    | {type: "streamStart"}
    | {type: "streamDelta"; text: string}
    /** `omitted`: labels of context the server left out; `error`: why the reply failed; `stopped`: by the user. */
    | {type: "streamEnd"; omitted?: string[]; error?: string; stopped?: boolean}
    | {type: "context"; chips: ContextChip[]};

/** Webview → extension. */
export type FromWebview =
    /** The script has loaded (also after the view was hidden and re-created): send everything again. */
    | {type: "ready"}
    | {type: "send"; text: string}
    | {type: "stop"}
    | {type: "newChat"}
    | {type: "openConversation"; id: string}
    | {type: "deleteConversation"; id: string}
    | {type: "removeContext"; id: string}
    /** Opens the quick pick of workspace files (the `@` key). */
    | {type: "addContext"}
    | {type: CodeAction; code: string; language?: string};

const MAX_TEXT = 1_000_000;

function str(v: unknown, max = MAX_TEXT): v is string {
    return typeof v === "string" && v.length <= max;
}

/** The message if it is a well-formed FromWebview, else undefined (unknown fields are dropped). */
export function parseFromWebview(raw: unknown): FromWebview | undefined {
    if (typeof raw !== "object" || raw === null) return undefined;
    const m = raw as Record<string, unknown>;
    switch (m.type) {
        case "ready":
        case "stop":
        case "newChat":
        case "addContext":
            return {type: m.type};
        case "send":
            return str(m.text) ? {type: "send", text: m.text} : undefined;
        case "openConversation":
        case "deleteConversation":
        case "removeContext":
            return str(m.id, 200) ? {type: m.type, id: m.id} : undefined;
        case "copy":
        case "insertAtCursor":
        case "applyToFile":
            if (!str(m.code)) return undefined;
            return m.language === undefined || str(m.language, 100)
                ? {type: m.type, code: m.code, ...(m.language ? {language: m.language as string} : {})}
                : undefined;
        default:
            return undefined;
    }
}
