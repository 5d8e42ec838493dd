// The chat panel's texts in the display language (the page has none of its own: protocol/webview.ts). No vscode
// import: the unit tests build the panel with these (English there).
import type {WebviewInit, WebviewStrings} from "../../protocol/webview";
import * as l10n from "../l10n";

export function webviewStrings(): WebviewStrings {
    return {
        history: l10n.t("History"),
        newChat: l10n.t("New Chat"),
        newChatTitle: l10n.t("Start a new conversation"),
        starting: l10n.t("Starting Gemma…"),
        historyLabel: l10n.t("Chat history"),
        conversationLabel: l10n.t("Conversation"),
        attachedContext: l10n.t("Attached context"),
        inputPlaceholder: l10n.t("Ask Gemma… (@ to attach a file)"),
        inputLabel: l10n.t("Message to Gemma. Enter sends, Shift+Enter adds a line, @ attaches a file, Escape stops."),
        attachTitle: l10n.t("Attach a file (@)"),
        attachLabel: l10n.t("Attach a file"),
        send: l10n.t("Send"),
        sendTitle: l10n.t("Send (Enter)"),
        stop: l10n.t("Stop"),
        stopTitle: l10n.t("Stop (Escape)"),
        empty: l10n.t("Ask about your code. The open file or selection is attached automatically; type @ to attach another file."),
        stopped: l10n.t("Stopped."),
        you: l10n.t("You"),
        gemma: l10n.t("Gemma"),
        omitted: l10n.t("Left out to fit the model's context window: {0}."),
        listSeparator: l10n.t(", "),
        fromEditor: l10n.t("{0} (from the active editor)"),
        removeChip: l10n.t("Remove {0} from the context"),
        noHistory: l10n.t("No earlier conversations."),
        delete: l10n.t("Delete"),
        deleteLabel: l10n.t("Delete conversation: {0}"),
        copy: l10n.t("Copy"),
        copyTitle: l10n.t("Copy the code to the clipboard"),
        insertAtCursor: l10n.t("Insert at Cursor"),
        insertAtCursorTitle: l10n.t("Insert the code at the cursor of the active editor"),
        applyToFile: l10n.t("Apply to File"),
        applyToFileTitle: l10n.t("Review the code as a change to the active file"),
        codeActions: l10n.t("Code actions"),
        codeActionsFor: l10n.t("{0} code actions")
    };
}

export function webviewInit(language = l10n.displayLanguage()): WebviewInit {
    return {lang: language, dir: l10n.isRightToLeft(language) ? "rtl" : "ltr", strings: webviewStrings()};
}
