// The one-line message after a review. No vscode import: unit tests read it.
import type {ReviewResult} from "../../protocol/lsp";

export function reviewSummary(results: Pick<ReviewResult, "comments" | "note" | "dropped">[]): string {
    const count = results.reduce((n, r) => n + r.comments.length, 0);
    const dropped = results.reduce((n, r) => n + (r.dropped ?? 0), 0);
    const notes = results.map((r) => r.note).filter(Boolean);
    // "Nothing to comment on" would be untrue when Gemma did comment but on lines that are not there.
    const summary = count > 0 ? `Gemma left ${count} comment${count === 1 ? "" : "s"}.`
        : dropped > 0 ? "Gemma's comments could not be shown."
            : "Gemma found nothing to comment on.";
    return [summary, ...notes].join(" ");
}
