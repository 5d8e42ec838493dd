// Real source files nobody on this project wrote (from packages in node_modules), and deterministic cursor
// positions in them, for the keystroke replay and the quality harness.
import fs from "node:fs";
import path from "node:path";

export const CORPUS_FILES = [
    {file: "node_modules/vscode-languageserver/lib/common/server.js", languageId: "javascript"},
    {file: "node_modules/vscode-jsonrpc/lib/common/connection.js", languageId: "javascript"},
    {file: "node_modules/mocha/lib/runner.js", languageId: "javascript"},
    {file: "node_modules/esbuild/lib/main.d.ts", languageId: "typescript"}
];

export interface CorpusFile {
    uri: string;
    languageId: string;
    lines: string[];
}

export function loadCorpus(root: string): CorpusFile[] {
    return CORPUS_FILES.map(({file, languageId}) => ({
        uri: `file://${path.join(root, file)}`,
        languageId,
        lines: fs.readFileSync(path.join(root, file), "utf8").split("\n")
    }));
}

/** Lines worth typing: code (not blank, not a comment), long enough, spread evenly through the file. */
export function pickLines(lines: string[], count: number, minLength = 16): number[] {
    const candidates = lines
        .map((l, i) => ({l: l.trim(), i}))
        .filter(({l}) => l.length >= minLength && !/^(\/\/|\/\*|\*|#)/.test(l))
        .map(({i}) => i);
    if (candidates.length <= count) return candidates;
    const step = candidates.length / count;
    return Array.from({length: count}, (_, k) => candidates[Math.floor(k * step + step / 2)]);
}

/** A small deterministic PRNG (the bench must type the same way every run). */
export function rng(seed: number) {
    let s = seed >>> 0 || 1;
    return () => {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        return (s >>> 0) / 4294967296;
    };
}
