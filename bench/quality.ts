// Quality harness: complete masked code (bench/qualityCases.ts) and compare with what was there: exact match and
// edit similarity (1 − Levenshtein / longer length), as in CrossCodeEval-style evaluations, each with a 95 %
// confidence interval. Completions come from the language server over LSP (any GGUF, any prompt style, context on
// or off; with postprocessing off the model's raw text from the server's trace is scored) or from a bare
// llama-server /completion (the baseline, in bench/run-quality.ts).
import type {ServerProcess} from "../common/serverProcess";
import type {CompletionTrace} from "../protocol/lsp";
import type {CorpusFile} from "./corpus";
import {buildCases, CASE_KINDS, CaseKind, MaskedCase, SourceFile} from "./qualityCases";

export interface CaseResult {
    id: string;
    kind: CaseKind;
    expected: string;
    actual: string;
    exact: boolean;
    similarity: number;
    ms: number;
}

export interface Interval {
    value: number;
    low: number;
    high: number;
}

export interface QualityScore {
    cases: number;
    exactMatch: Interval;
    editSimilarity: Interval;
    msPerCase: number;
    byKind: Record<string, {cases: number; exactMatch: number; editSimilarity: number}>;
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

/** A completion as scored: its first `span` lines, trailing blanks trimmed (the same cut for every variant). */
export function cutToSpan(text: string, span: number) {
    return text.split("\n").slice(0, span).map((l) => l.trimEnd()).join("\n").trim();
}

export function scoreCase(c: MaskedCase, completion: string, ms: number): CaseResult {
    const actual = cutToSpan(completion, c.span);
    const expected = c.expected.trim();
    return {id: c.id, kind: c.kind, expected, actual, exact: actual === expected, similarity: editSimilarity(actual, expected), ms};
}

/** Wilson score interval for a proportion (exact match), 95 %. */
export function wilson(successes: number, n: number): Interval {
    if (n === 0) return {value: 0, low: 0, high: 0};
    const z = 1.96, p = successes / n;
    const centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n);
    return {value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half)};
}

/** Mean with a normal-approximation 95 % interval (edit similarity over ≥ 30 cases). */
export function meanInterval(values: number[]): Interval {
    const n = values.length;
    if (n === 0) return {value: 0, low: 0, high: 0};
    const mean = values.reduce((s, v) => s + v, 0) / n;
    const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
    const half = 1.96 * sd / Math.sqrt(n);
    return {value: mean, low: Math.max(0, mean - half), high: Math.min(1, mean + half)};
}

/**
 * Paired bootstrap (the same resampled cases for both): the ratio of the means of `a` and `b` ("ratio"), or their
 * difference ("difference"), with a 95 % percentile interval. Deterministic (seeded), 2,000 resamples.
 */
export function pairedRatio(a: number[], b: number[], kind: "ratio" | "difference" = "ratio", resamples = 2000): Interval {
    const n = Math.min(a.length, b.length);
    const stat = (sa: number, sb: number) => kind === "ratio" ? sa / Math.max(sb, 1e-9) : (sa - sb) / n;
    const sum = (xs: number[]) => xs.slice(0, n).reduce((s, v) => s + v, 0);
    if (n === 0) return {value: 0, low: 0, high: 0};
    let seed = 0x9e3779b9;
    const random = () => {
        // xorshift32: the same intervals every time the same results are summarized.
        seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
        return seed / 0x100000000;
    };
    const stats: number[] = [];
    for (let r = 0; r < resamples; r++) {
        let sa = 0, sb = 0;
        for (let k = 0; k < n; k++) {
            const i = Math.floor(random() * n);
            sa += a[i];
            sb += b[i];
        }
        stats.push(stat(sa, sb));
    }
    stats.sort((x, y) => x - y);
    return {value: stat(sum(a), sum(b)), low: stats[Math.floor(0.025 * resamples)], high: stats[Math.ceil(0.975 * resamples) - 1]};
}

export function summarize(results: CaseResult[]): QualityScore {
    const byKind: QualityScore["byKind"] = {};
    for (const kind of CASE_KINDS) {
        const list = results.filter((r) => r.kind === kind);
        byKind[kind] = {cases: list.length, exactMatch: wilson(list.filter((r) => r.exact).length, list.length).value,
            editSimilarity: meanInterval(list.map((r) => r.similarity)).value};
    }
    return {
        cases: results.length,
        exactMatch: wilson(results.filter((r) => r.exact).length, results.length),
        editSimilarity: meanInterval(results.map((r) => r.similarity)),
        msPerCase: results.length ? results.reduce((s, r) => s + r.ms, 0) / results.length : 0,
        byKind
    };
}

export interface ServerCompletion {
    /** After the server's postprocessing (what the editor shows), and the model's raw text. */
    shown: string;
    raw: string;
    ms: number;
}

export interface CompleteOptions {
    /** Other files of the case's language kept open (unedited) while completing: the open-editor context source. */
    openFiles?: SourceFile[];
    /** Answer gemma/definitionSnippets with these (a language server's go-to-definition); none: answer []. */
    definitions?: (c: MaskedCase) => {label: string; text: string}[];
    /** Called after each case (progress). */
    onCase?: (done: number, total: number) => void;
}

/**
 * Completes every case on a running server (started with GEMMA_CODE_TRACE=1 for the raw text). Each case is a
 * fresh document: the source with the answer cut out, cursor at the hole.
 */
export async function completeOnServer(server: ServerProcess, cases: MaskedCase[], options: CompleteOptions = {}): Promise<ServerCompletion[]> {
    let current: MaskedCase | undefined;
    server.connection.onRequest("gemma/definitionSnippets", () => (current && options.definitions ? options.definitions(current) : []));
    let version = 1;
    const opened = new Set<string>();
    const out: ServerCompletion[] = [];
    for (const [i, c] of cases.entries()) {
        current = c;
        for (const f of options.openFiles ?? []) {
            if (f.languageId !== c.languageId || f.uri === c.uri || opened.has(f.uri)) continue;
            opened.add(f.uri);
            await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: f.uri, languageId: f.languageId, version: 1, text: f.text}});
        }
        const uri = `${c.uri}#quality-${i}`;
        await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId: c.languageId, version: version++, text: c.prefix + c.suffix}});
        const started = performance.now();
        const result = await server.connection.sendRequest<{items: {insertText: string}[]} | null>("textDocument/inlineCompletion",
            {textDocument: {uri}, position: {line: c.line, character: c.character}, context: {triggerKind: 1}});
        const ms = performance.now() - started;
        await server.connection.sendNotification("textDocument/didClose", {textDocument: {uri}});
        const traces = await server.connection.sendRequest<CompletionTrace[]>("gemma/completionTraces");
        out.push({shown: result?.items?.[0]?.insertText ?? "", raw: traces.at(-1)?.rawText ?? "", ms});
        options.onCase?.(i + 1, cases.length);
    }
    return out;
}

/** The harness on a few files of the keystroke corpus (bench/run-bench.ts and the CI check of the harness). */
export async function runQuality(server: ServerProcess, corpus: CorpusFile[], perFile: number) {
    const files = corpus.map((f) => ({uri: f.uri, languageId: f.languageId, text: f.lines.join("\n")}));
    const cases = buildCases(files, perFile);
    const completions = await completeOnServer(server, cases);
    const results = cases.map((c, i) => scoreCase(c, completions[i].shown, completions[i].ms));
    return {score: summarize(results), cases: results, completions};
}
