// Answers the server's gemma/definitionSnippets: the definitions of identifiers on the cursor line and the lines
// just above it, found with VS Code's definition providers (whatever language extensions the user has), as
// short snippets for the completion prompt.
import * as vscode from "vscode";
import type {DefinitionSnippetsParams} from "../protocol/lsp";

const LINES_ABOVE = 3;
const MAX_SYMBOLS = 8;
const MAX_SNIPPETS = 4;
const SNIPPET_LINES = 12;

export async function definitionSnippets(params: DefinitionSnippetsParams): Promise<{label: string; text: string}[]> {
    const uri = vscode.Uri.parse(params.textDocument.uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc) return [];
    const from = Math.max(0, params.position.line - LINES_ABOVE);
    const positions: vscode.Position[] = [];
    const seen = new Set<string>();
    for (let line = params.position.line; line >= from && positions.length < MAX_SYMBOLS; line--) {
        const text = doc.lineAt(line).text;
        for (const m of text.matchAll(/[A-Za-z_$][\w$]{2,}/g)) {
            if (seen.has(m[0]) || positions.length >= MAX_SYMBOLS) continue;
            seen.add(m[0]);
            positions.push(new vscode.Position(line, m.index! + 1));
        }
    }
    const found = await Promise.all(positions.map((p) =>
        Promise.resolve(vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>("vscode.executeDefinitionProvider", uri, p))
            .then((r) => r ?? [], () => [])));
    const snippets: {label: string; text: string}[] = [];
    const taken = new Set<string>();
    for (const loc of found.flat()) {
        const target = "targetUri" in loc ? loc.targetUri : loc.uri;
        const range = "targetRange" in loc ? loc.targetRange : loc.range;
        // The cursor's own neighbourhood is already in the prompt.
        if (target.toString() === uri.toString() && Math.abs(range.start.line - params.position.line) < 40) continue;
        const key = `${target}#${range.start.line}`;
        if (taken.has(key) || snippets.length >= MAX_SNIPPETS) continue;
        taken.add(key);
        const targetDoc = await vscode.workspace.openTextDocument(target);
        const end = Math.min(targetDoc.lineCount, range.start.line + SNIPPET_LINES);
        const text = targetDoc.getText(new vscode.Range(range.start.line, 0, end, 0));
        snippets.push({label: `${vscode.workspace.asRelativePath(target)}:${range.start.line + 1}`, text});
    }
    return snippets;
}
