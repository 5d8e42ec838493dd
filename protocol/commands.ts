// Client capabilities beyond LSP and the command ids each side executes.
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
/** Commands the VS Code extension runs on the client side. */
export const ClientCommands = {
    /** Opens the chat panel and streams gemma/explain into it. Arguments: {uri, range, diagnostic?}. */
    explain: "gemmaCode.explain"
} as const;
/** Commands the server executes itself (workspace/executeCommand), for any client. */
export const ServerCommands = {
    /** Removes one review comment. Arguments: uri, comment id. */
    dismissReviewComment: "gemma.dismissReviewComment",
    /**
     * Explains a range (and its diagnostic) without a client-side UI: the markdown is the command's result and is
     * also shown with window/showMessage. Arguments: {uri, range, diagnostic?}.
     */
    explain: "gemma.explain"
} as const;
