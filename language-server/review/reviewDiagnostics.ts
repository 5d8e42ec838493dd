// Review comments published as diagnostics (source "Gemma"). Each remembers the text of the lines it was made
// on: when the document changes, a comment follows its lines if they moved and disappears if they changed, so a
// comment (or its suggestion) is never shown against the wrong code. A new review of a document replaces its
// comments; Dismiss removes one.
import {CodeAction, CodeActionKind, Command, Diagnostic, DiagnosticSeverity, TextEdit} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import {ClientCommands, ServerCommands} from "../../protocol/lsp";
import type {ReviewComment, ReviewSeverity} from "../../protocol/lsp";

export const DIAGNOSTIC_SOURCE = "Gemma";
export const DISMISS_COMMAND = ServerCommands.dismissReviewComment;
/** Client-side command (src/review) that calls gemma/explain and shows the answer. */
export const EXPLAIN_COMMAND = ClientCommands.explain;
const SEARCH_LINES = 200;

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
    private readonly byUri = new Map<string, Entry[]>();
    private nextId = 1;

    constructor(private readonly publish: (uri: string, diagnostics: Diagnostic[]) => void) {}

    /**
     * Replaces the document's comments. `reviewedText` is the text the model saw: if the document changed since,
     * each comment is relocated to where its lines are now, or dropped. Returns the comments as published.
     */
    replace(doc: TextDocument, reviewedText: string, comments: ReviewComment[]): ReviewComment[] {
        const reviewedLines = reviewedText.split(/\r\n|\r|\n/);
        const entries = comments.map((comment) => ({
            id: this.nextId++, comment,
            anchor: reviewedLines.slice(comment.range.start.line, comment.range.end.line + 1)
        }));
        this.byUri.set(doc.uri, entries);
        this.relocate(doc, true);
        return (this.byUri.get(doc.uri) ?? []).map((e) => e.comment);
    }

    /** Follows edits: moves comments whose lines moved, drops those whose lines changed. */
    relocate(doc: TextDocument, forcePublish = false) {
        const entries = this.byUri.get(doc.uri);
        if (!entries) return;
        const lines = doc.getText().split(/\r\n|\r|\n/);
        let changed = false;
        const kept: Entry[] = [];
        for (const e of entries) {
            const at = findAnchor(lines, e.anchor, e.comment.range.start.line);
            if (at === undefined) {
                changed = true;
                continue;
            }
            if (at !== e.comment.range.start.line) {
                changed = true;
                const last = at + e.anchor.length - 1;
                e.comment = {...e.comment, range: {start: {line: at, character: 0}, end: {line: last, character: lines[last].length}}};
            }
            kept.push(e);
        }
        this.byUri.set(doc.uri, kept);
        if (changed || forcePublish) this.publishFor(doc.uri);
    }

    dismiss(uri: string, id: number) {
        const entries = this.byUri.get(uri);
        if (!entries) return;
        this.byUri.set(uri, entries.filter((e) => e.id !== id));
        this.publishFor(uri);
    }

    clear(uri: string) {
        if (this.byUri.delete(uri)) this.publish(uri, []);
    }

    diagnostics(uri: string): Diagnostic[] {
        return (this.byUri.get(uri) ?? []).map((e) => ({
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

/** The line where `anchor` now starts: the original line if it still matches, else the nearest match. */
function findAnchor(lines: string[], anchor: string[], original: number): number | undefined {
    const matchesAt = (i: number) => i >= 0 && i + anchor.length <= lines.length && anchor.every((l, k) => lines[i + k] === l);
    if (matchesAt(original)) return original;
    for (let d = 1; d <= SEARCH_LINES; d++) {
        if (matchesAt(original - d)) return original - d;
        if (matchesAt(original + d)) return original + d;
    }
    return undefined;
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
                    title: "Apply Gemma's suggestion",
                    kind: CodeActionKind.QuickFix,
                    diagnostics: [d],
                    isPreferred: true,
                    edit: {changes: {[uri]: [TextEdit.replace(d.range, data.suggestion)]}}
                });
            }
            actions.push({
                title: "Dismiss Gemma's comment",
                kind: CodeActionKind.QuickFix,
                diagnostics: [d],
                command: Command.create("Dismiss", DISMISS_COMMAND, uri, data.id)
            });
        }
        actions.push({
            title: `Explain with Gemma: ${truncate(typeof d.message === "string" ? d.message : String(d.message), 60)}`,
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            command: Command.create("Explain with Gemma", explainCommand, {uri, range: d.range, diagnostic: d})
        });
    }
    const isSelection = range.start.line !== range.end.line || range.start.character !== range.end.character;
    if (isSelection && diagnostics.length === 0) {
        actions.push({
            title: "Explain with Gemma",
            kind: CodeActionKind.QuickFix,
            command: Command.create("Explain with Gemma", explainCommand, {uri, range})
        });
    }
    return actions;
}

function truncate(s: string, n: number) {
    const line = s.split("\n")[0];
    return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
