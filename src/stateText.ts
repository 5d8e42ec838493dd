// The model state in the display language, for the status bar and the chat panel (no vscode import: unit tests).
import type {ServerState} from "../protocol/lsp";
import * as l10n from "./l10n";

/** What the state means, in the display language (the server's message says the details). */
export function stateHeadline(status: ServerState["status"]): string {
    switch (status) {
        case "loading": return l10n.t("Gemma is loading the model…");
        case "ready": return l10n.t("Gemma is ready.");
        case "error": return l10n.t("Gemma ran into a problem.");
        case "unloaded": return l10n.t("Gemma is idle: the model was unloaded to free memory.");
        case "noModel": return l10n.t("Gemma has no model yet.");
    }
}
