// The one-line message after a review. No vscode import: unit tests read it.
import type {ReviewResult} from "../../protocol/lsp";
import * as l10n from "../l10n";

export function reviewSummary(results: Pick<ReviewResult, "comments" | "note" | "dropped">[]): string {
    const count = results.reduce((n, r) => n + r.comments.length, 0);
    const dropped = results.reduce((n, r) => n + (r.dropped ?? 0), 0);
    const notes = results.map((r) => r.note).filter(Boolean);
    // "Nothing to comment on" would be untrue when Gemma did comment but on lines that are not there.
    const summary = count > 0 ? l10n.plural(count, "Gemma left {0} comment.", "Gemma left {0} comments.")
        : dropped > 0 ? l10n.t("Gemma's comments could not be shown.")
            : l10n.t("Gemma found nothing to comment on.");
    return [summary, ...notes].join(" ");
}
