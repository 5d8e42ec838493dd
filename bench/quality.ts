// Quality harness: mask a line (or a block of lines) in real code, ask the server to complete at the mask, and
// compare with what was there: exact match and edit similarity (1 − Levenshtein / longer length), as in
// CrossCodeEval-style next-line evaluations. Runs against any GGUF the server is given.
import type {ServerProcess} from "../common/serverProcess";
import {CorpusFile, pickLines} from "./corpus";

export interface QualityCase {
    uri: string;
    kind: "line" | "block";
    expected: string;
    actual: string;
    exact: boolean;
    similarity: number;
}

export interface QualityScore {
    cases: number;
    exactMatch: number;
    editSimilarity: number;
    byKind: Record<"line" | "block", {cases: number; exactMatch: number; editSimilarity: number}>;
}

export function editSimilarity(a: string, b: string): number {
    if (a === b) return 1;
    const longer = Math.max(a.length, b.length);
    if (longer === 0) return 1;
    let prev = Array.from({length: b.length + 1}, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const cur = [i];
        for (let j = 1; j <= b.length; j++) {
            cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        prev = cur;
    }
    return 1 - prev[b.length] / longer;
}

/** Masks `perFile` single lines and `perFile` 3-line blocks per file; completes each and scores it. */
export async function runQuality(server: ServerProcess, corpus: CorpusFile[], perFile: number): Promise<{score: QualityScore; cases: QualityCase[]}> {
    const cases: QualityCase[] = [];
    let version = 1;
    for (const file of corpus) {
        const lines = pickLines(file.lines, perFile * 2, 20);
        for (const [k, line] of lines.entries()) {
            const kind: "line" | "block" = k % 2 === 0 ? "line" : "block";
            const span = kind === "line" ? 1 : 3;
            const indent = /^\s*/.exec(file.lines[line])![0];
            const expected = file.lines.slice(line, line + span).join("\n").slice(indent.length).trimEnd();
            // The document as the user has it: everything but the masked code, cursor after the indentation.
            const text = [...file.lines.slice(0, line), indent, ...file.lines.slice(line + span)].join("\n");
            const uri = `${file.uri}#quality-${line}`;
            await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId: file.languageId, version: version++, text}});
            const result = await server.connection.sendRequest<{items: {insertText: string}[]}>("textDocument/inlineCompletion",
                {textDocument: {uri}, position: {line, character: indent.length}, context: {triggerKind: 1}});
            await server.connection.sendNotification("textDocument/didClose", {textDocument: {uri}});
            const raw = result?.items?.[0]?.insertText ?? "";
            const actual = raw.split("\n").slice(0, span).join("\n").trimEnd();
            cases.push({uri, kind, expected, actual, exact: actual.trim() === expected.trim(), similarity: editSimilarity(actual.trim(), expected.trim())});
        }
    }
    return {score: summarize(cases), cases};
}

export function summarize(cases: QualityCase[]): QualityScore {
    const agg = (list: QualityCase[]) => ({
        cases: list.length,
        exactMatch: list.length ? list.filter((c) => c.exact).length / list.length : 0,
        editSimilarity: list.length ? list.reduce((s, c) => s + c.similarity, 0) / list.length : 0
    });
    const all = agg(cases);
    return {...all, byKind: {line: agg(cases.filter((c) => c.kind === "line")), block: agg(cases.filter((c) => c.kind === "block"))}};
}
