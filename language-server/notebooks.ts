// Jupyter (and any other) notebooks over LSP 3.17 notebook document sync: the client sends the notebook with its
// cells (notebookDocument/didOpen …); each cell's text is a document of its own (scheme vscode-notebook-cell in VS
// Code), kept in the server's one TextDocuments. A completion in a code cell is made as if the notebook were one file:
// the code cells above it (same language) come first in the prompt, then the cell itself; the answer's ranges are
// moved back into the cell. Other cells of the same notebook are not offered again as "other files" context.
import {NotebookCellKind, NotebookDocuments, Position, Range, TextDocuments} from "vscode-languageserver/node";
import {TextDocument} from "vscode-languageserver-textdocument";

/** Between cells, as a notebook exported to a script would have. */
const CELL_SEPARATOR = "\n\n";

export interface CellView {
    /** The notebook's code cells above this one and the cell, as one document with the cell's uri. */
    document: TextDocument;
    /** Lines of the view above the cell's first line. */
    lineOffset: number;
    /** Cells of the same notebook (their uris), this one included. */
    cells: Set<string>;
}

export class NotebookContext {
    readonly notebooks: NotebookDocuments<TextDocument>;

    constructor(private readonly documents: TextDocuments<TextDocument>) {
        this.notebooks = new NotebookDocuments(documents);
    }

    /** The notebook view of a cell; undefined for a document that is no notebook's cell. */
    view(doc: TextDocument): CellView | undefined {
        const notebook = this.notebooks.findNotebookDocumentForCell(doc.uri);
        if (!notebook) return undefined;
        const index = notebook.cells.findIndex((c) => c.document === doc.uri);
        const above = notebook.cells.slice(0, Math.max(0, index))
            .filter((c) => c.kind === NotebookCellKind.Code)
            .map((c) => this.documents.get(c.document))
            .filter((d): d is TextDocument => !!d && d.languageId === doc.languageId && d.getText().trim() !== "")
            .map((d) => d.getText().replace(/\s+$/, "") + CELL_SEPARATOR)
            .join("");
        const lineOffset = above === "" ? 0 : above.split("\n").length - 1;
        return {document: TextDocument.create(doc.uri, doc.languageId, doc.version, above + doc.getText()), lineOffset,
            cells: new Set(notebook.cells.map((c) => c.document))};
    }
}

export const shiftPosition = (p: Position, lines: number): Position => ({line: p.line + lines, character: p.character});
export const shiftRange = (r: Range, lines: number): Range => ({start: shiftPosition(r.start, lines), end: shiftPosition(r.end, lines)});
