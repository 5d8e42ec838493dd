// Context snippets for completion prompts: the neighbourhood of the places the user edited last in *other* open
// documents of the same language (what Continue and llama.vscode find most useful after the file itself).
import type {TextDocument} from "vscode-languageserver-textdocument";
import type {Snippet} from "../completion/prompt";

const LINES_AROUND = 12;
const KEEP = 8;

interface Edit {
    uri: string;
    line: number;
}

export class RecentEdits {
    private edits: Edit[] = [];
    private lastText = new Map<string, string>();

    /** Records where a document changed: the first line that differs from its previous text. */
    noteChange(doc: TextDocument) {
        const text = doc.getText();
        const before = this.lastText.get(doc.uri);
        this.lastText.set(doc.uri, text);
        if (before === undefined) return;
        const line = firstDifferentLine(before, text);
        this.edits = [{uri: doc.uri, line}, ...this.edits.filter((e) => e.uri !== doc.uri || Math.abs(e.line - line) > LINES_AROUND)]
            .slice(0, KEEP);
    }

    forget(uri: string) {
        this.lastText.delete(uri);
        this.edits = this.edits.filter((e) => e.uri !== uri);
    }

    /** Documents with a recorded edit (their snippets come from here, not from the open-editor source). */
    editedUris(): Set<string> {
        return new Set(this.edits.map((e) => e.uri));
    }

    /** Most recent first; the completion prompt builder trims them to its token budget. */
    snippetsFor(current: TextDocument, open: TextDocument[]): Snippet[] {
        const byUri = new Map(open.map((d) => [d.uri, d]));
        const out: Snippet[] = [];
        for (const e of this.edits) {
            const doc = byUri.get(e.uri);
            if (!doc || e.uri === current.uri || doc.languageId !== current.languageId) continue;
            const start = Math.max(0, e.line - LINES_AROUND);
            const end = Math.min(doc.lineCount, e.line + LINES_AROUND);
            const text = doc.getText({start: {line: start, character: 0}, end: {line: end, character: 0}});
            out.push({label: `${relativeName(doc.uri)}:${start + 1}`, text});
        }
        return out;
    }
}

/** The 0-based line of the first character that differs; O(length of the common prefix). */
export function firstDifferentLine(a: string, b: string): number {
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
    let line = 0;
    for (let j = a.indexOf("\n"); j !== -1 && j < i; j = a.indexOf("\n", j + 1)) line++;
    return line;
}

export function relativeName(uri: string) {
    return decodeURIComponent(uri.replace(/^[a-z]+:\/\//i, "")).split("/").slice(-2).join("/");
}
