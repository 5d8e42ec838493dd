// Review comments published as diagnostics (source "Gemma"). Each remembers the text of the lines it was made
// on: when the document changes, a comment follows its lines if they moved and disappears if they changed, so a
// comment (or its suggestion) is never shown against the wrong code (lineFollow.ts says how lines are followed).
// A review of a whole document replaces its comments; a review of a range replaces those inside the range (Review
// Changes sends one request per hunk, Review Selection keeps the rest of an earlier review); Dismiss removes one.
import {CodeAction, CodeActionKind, Command, Diagnostic, DiagnosticSeverity, TextEdit} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import {ClientCommands, ServerCommands} from "../../protocol/lsp";
import * as l10n from "../l10n";
import type {ReviewComment, ReviewSeverity} from "../../protocol/lsp";
import type {LineSpan} from "./chunking";
import {lineMap, splitLines} from "./lineFollow";

export const DIAGNOSTIC_SOURCE = "Gemma";
export const DISMISS_COMMAND = ServerCommands.dismissReviewComment;
/** Client-side command (src/review) that calls gemma/explain and shows the answer. */
export const EXPLAIN_COMMAND = ClientCommands.explain;

interface Entry {
    id: number;
    comment: ReviewComment;
    /** The text of the commented lines when the comment was made. */
    anchor: string[];
}

export interface DiagnosticData {
    id: number;
    suggestion?: string;
}

const SEVERITY: Record<ReviewSeverity, DiagnosticSeverity> = {
    error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning,
    information: DiagnosticSeverity.Information, hint: DiagnosticSeverity.Hint
};

export class ReviewDiagnostics {
    /** Per document: its comments, and its lines as last seen (what the next change is compared with). */
    private readonly byUri = new Map<string, {lines: string[]; entries: Entry[]}>();
    private nextId = 1;

    constructor(private readonly publish: (uri: string, diagnostics: Diagnostic[]) => void) {}

    /**
     * Publishes a review's comments. `reviewedText` is the text the model saw (the document's text when the review
     * started, or another version such as the staged one): each comment is placed where its lines are now, or
     * dropped. With `span` (lines of `reviewedText` a ranged review covered) only the earlier comments whose lines
     * lie in that span are replaced; without it all are. Returns the comments as published.
     */
    replace(doc: TextDocument, reviewedText: string, comments: ReviewComment[], span?: LineSpan): ReviewComment[] {
        const reviewedLines = splitLines(reviewedText);
        const lines = splitLines(doc.getText());
        const fresh = follow(reviewedLines, lines, comments.map((comment) => ({
            id: this.nextId++, comment,
            anchor: reviewedLines.slice(comment.range.start.line, comment.range.end.line + 1)
        })));
        let kept: Entry[] = [];
        const previous = this.byUri.get(doc.uri);
        if (span && previous) {
            // Where each earlier comment's lines are in the reviewed text decides whether this review covered it.
            const toReviewed = lineMap(lines, reviewedLines);
            kept = follow(previous.lines, lines, previous.entries).filter((e) => {
                const at = toReviewed(e.comment.range.start.line, e.anchor);
                return at === undefined || at + e.anchor.length <= span.start || at >= span.end;
            });
        }
        const entries = [...kept, ...fresh].sort((a, b) => a.comment.range.start.line - b.comment.range.start.line);
        this.byUri.set(doc.uri, {lines, entries});
        this.publishFor(doc.uri);
        return fresh.map((e) => e.comment);
    }

    /** Follows an edit: moves comments whose lines moved, drops those whose lines changed. */
    relocate(doc: TextDocument) {
        const tracked = this.byUri.get(doc.uri);
        if (!tracked) return;
        const lines = splitLines(doc.getText());
        const entries = follow(tracked.lines, lines, tracked.entries);
        const changed = entries.length !== tracked.entries.length
            || entries.some((e, i) => e.comment.range.start.line !== tracked.entries[i].comment.range.start.line);
        this.byUri.set(doc.uri, {lines, entries});
        if (changed) this.publishFor(doc.uri);
    }

    dismiss(uri: string, id: number) {
        const tracked = this.byUri.get(uri);
        if (!tracked) return;
        this.byUri.set(uri, {lines: tracked.lines, entries: tracked.entries.filter((e) => e.id !== id)});
        this.publishFor(uri);
    }

    clear(uri: string) {
        if (this.byUri.delete(uri)) this.publish(uri, []);
    }

    diagnostics(uri: string): Diagnostic[] {
        return (this.byUri.get(uri)?.entries ?? []).map((e) => ({
            range: e.comment.range,
            severity: SEVERITY[e.comment.severity],
            source: DIAGNOSTIC_SOURCE,
            code: "review",
            message: e.comment.message,
            data: {id: e.id, suggestion: e.comment.suggestion?.newText} satisfies DiagnosticData
        }));
    }

    private publishFor(uri: string) {
        this.publish(uri, this.diagnostics(uri));
    }
}

/** The entries whose lines still exist in `newLines`, with their ranges moved there. */
function follow(oldLines: string[], newLines: string[], entries: Entry[]): Entry[] {
    const map = lineMap(oldLines, newLines);
    const out: Entry[] = [];
    for (const e of entries) {
        const at = map(e.comment.range.start.line, e.anchor);
        if (at === undefined) continue;
        if (at === e.comment.range.start.line) {
            out.push(e);
            continue;
        }
        const last = at + e.anchor.length - 1;
        out.push({...e, comment: {...e.comment, range: {start: {line: at, character: 0}, end: {line: last, character: newLines[last].length}}}});
    }
    return out;
}

/**
 * Quick fixes for the diagnostics in a code action request, plus "Explain with Gemma" for any diagnostic.
 * `explainCommand`: the client's own explain command when it declares one, else the server's (issue 19).
 */
export function codeActionsFor(uri: string, diagnostics: Diagnostic[], range: {start: {line: number; character: number}; end: {line: number; character: number}},
                               explainCommand: string = EXPLAIN_COMMAND): CodeAction[] {
    const actions: CodeAction[] = [];
    for (const d of diagnostics) {
        if (d.source === DIAGNOSTIC_SOURCE && d.data && typeof (d.data as DiagnosticData).id === "number") {
            const data = d.data as DiagnosticData;
            if (typeof data.suggestion === "string") {
                actions.push({
                    title: l10n.t("Apply Gemma's suggestion"),
                    kind: CodeActionKind.QuickFix,
                    diagnostics: [d],
                    isPreferred: true,
                    edit: {changes: {[uri]: [TextEdit.replace(d.range, data.suggestion)]}}
                });
            }
            actions.push({
                title: l10n.t("Dismiss Gemma's comment"),
                kind: CodeActionKind.QuickFix,
                diagnostics: [d],
                command: Command.create(l10n.t("Dismiss"), DISMISS_COMMAND, uri, data.id)
            });
        }
        actions.push({
            title: l10n.t("Explain with Gemma: {0}", truncate(typeof d.message === "string" ? d.message : String(d.message), 60)),
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            command: Command.create(l10n.t("Explain with Gemma"), explainCommand, {uri, range: d.range, diagnostic: d})
        });
    }
    const isSelection = range.start.line !== range.end.line || range.start.character !== range.end.character;
    if (isSelection && diagnostics.length === 0) {
        actions.push({
            title: l10n.t("Explain with Gemma"),
            kind: CodeActionKind.QuickFix,
            command: Command.create(l10n.t("Explain with Gemma"), explainCommand, {uri, range})
        });
    }
    return actions;
}

function truncate(s: string, n: number) {
    const line = s.split("\n")[0];
    return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
