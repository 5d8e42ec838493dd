// Client capabilities beyond LSP and the command ids each side executes. One prefix for every command id,
// `gemmaCode.` (methods have `gemma/`): the extension's are Commands (package.json's contributes.commands, which
// test/unit/protocolContract.test.ts checks against this list), the server's own `gemmaCode.server.*`.
// Part of the protocol: import it from "protocol/lsp", which re-exports every protocol module.

// ---- Client capabilities and commands (issue 19: "any LSP editor") ----

/**
 * The key of `capabilities.experimental` under which a client says what it implements beyond LSP. A client that
 * lists a client-side command there gets code actions that run it; other clients get the server's own commands.
 */
export const EXPERIMENTAL_CAPABILITY = "gemmaCode";
export interface GemmaClientCapabilities {
    /** Command ids the client executes itself (e.g. ClientCommands.explain). */
    clientCommands?: string[];
}
/** The VS Code extension's commands, as package.json contributes them (palette, menus, keybindings). */
export const Commands = {
    showLog: "gemmaCode.showLog",
    restartServer: "gemmaCode.restartServer",
    selectModelFile: "gemmaCode.selectModelFile",
    downloadModel: "gemmaCode.downloadModel",
    setRemoteApiKey: "gemmaCode.setRemoteApiKey",
    showMenu: "gemmaCode.showMenu",
    openSettings: "gemmaCode.openSettings",
    focusChat: "gemmaCode.focusChat",
    newChat: "gemmaCode.newChat",
    acceptProposal: "gemmaCode.acceptProposal",
    discardProposal: "gemmaCode.discardProposal",
    reviewFile: "gemmaCode.reviewFile",
    reviewSelection: "gemmaCode.reviewSelection",
    reviewChanges: "gemmaCode.reviewChanges",
    explain: "gemmaCode.explain",
    downloadGpuBackend: "gemmaCode.downloadGpuBackend",
    editSelection: "gemmaCode.editSelection",
    acceptEdit: "gemmaCode.acceptEdit",
    rejectEdit: "gemmaCode.rejectEdit",
    writeCommitMessage: "gemmaCode.writeCommitMessage",
    snoozeCompletions: "gemmaCode.snoozeCompletions",
    resumeCompletions: "gemmaCode.resumeCompletions",
    toggleLanguageCompletions: "gemmaCode.toggleLanguageCompletions"
} as const;
export type CommandId = typeof Commands[keyof typeof Commands];

/** Commands the VS Code extension runs on the client side, offered to the server as client capabilities. */
export const ClientCommands = {
    /** Opens the chat panel and streams gemma/explain into it. Arguments: {uri, range, diagnostic?}. */
    explain: Commands.explain
} as const;
/** Commands the server executes itself (workspace/executeCommand), for any client. */
export const ServerCommands = {
    /** Removes one review comment. Arguments: uri, comment id. */
    dismissReviewComment: "gemmaCode.server.dismissReviewComment",
    /**
     * Explains a range (and its diagnostic) without a client-side UI: the markdown is the command's result and is
     * also shown with window/showMessage. Arguments: {uri, range, diagnostic?}.
     */
    explain: "gemmaCode.server.explain"
} as const;
