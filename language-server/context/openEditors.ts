// Context snippets from documents that are open but were not edited (the user's other tabs): the chunk of each that
// shares the most identifiers with the code just above the cursor. Recently edited places have their own source
// (recentEdits.ts); this one finds the helper file the user opened to read, the way an editor's "neighbouring
// tabs" do. Chunks are cached per document version, so a keystroke costs one set intersection per chunk.
import type {TextDocument} from "vscode-languageserver-textdocument";
import type {Snippet} from "../completion/prompt";
import {relativeName} from "./recentEdits";

const CHUNK_LINES = 16;
/** Lines above the cursor that describe what the user is writing. */
const QUERY_LINES = 12;
/** At most this many snippets, best first: more costs prompt tokens for little (bench/run-quality.ts). */
const MAX_SNIPPETS = 2;
/** Jaccard similarity below which a chunk is unrelated noise. */
const MIN_SIMILARITY = 0.08;
const MAX_DOCUMENTS = 20;

interface Chunk {
    startLine: number;
    text: string;
    words: Set<string>;
}

export class OpenEditorSnippets {
    private readonly chunks = new Map<string, {version: number; chunks: Chunk[]}>();

    forget(uri: string) {
        this.chunks.delete(uri);
    }

    /** `skip`: documents another source already covers (the current one, edited ones). */
    snippetsFor(current: TextDocument, position: {line: number}, open: TextDocument[], skip: Set<string>): Snippet[] {
        const query = words(current.getText({start: {line: Math.max(0, position.line - QUERY_LINES), character: 0},
            end: {line: position.line + 1, character: 0}}));
        if (query.size === 0) return [];
        const scored: {doc: TextDocument; chunk: Chunk; score: number}[] = [];
        for (const doc of open.slice(0, MAX_DOCUMENTS)) {
            if (doc.uri === current.uri || skip.has(doc.uri) || doc.languageId !== current.languageId) continue;
            for (const chunk of this.chunksOf(doc)) {
                const score = jaccard(query, chunk.words);
                if (score >= MIN_SIMILARITY) scored.push({doc, chunk, score});
            }
        }
        return scored.sort((a, b) => b.score - a.score).slice(0, MAX_SNIPPETS)
            .map(({doc, chunk}) => ({label: `${relativeName(doc.uri)}:${chunk.startLine + 1}`, text: chunk.text}));
    }

    private chunksOf(doc: TextDocument): Chunk[] {
        const cached = this.chunks.get(doc.uri);
        if (cached?.version === doc.version) return cached.chunks;
        const lines = doc.getText().split("\n");
        const chunks: Chunk[] = [];
        // Half-overlapping windows, so a function that straddles a boundary is still found whole in one of them.
        for (let start = 0; start < lines.length; start += CHUNK_LINES / 2) {
            const text = lines.slice(start, start + CHUNK_LINES).join("\n");
            const w = words(text);
            if (w.size > 0) chunks.push({startLine: start, text, words: w});
            if (start + CHUNK_LINES >= lines.length) break;
        }
        this.chunks.set(doc.uri, {version: doc.version, chunks});
        return chunks;
    }
}

function words(text: string): Set<string> {
    return new Set(text.match(/[A-Za-z_$][\w$]{2,}/g) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>) {
    let common = 0;
    for (const w of a) if (b.has(w)) common++;
    return common / (a.size + b.size - common);
}
