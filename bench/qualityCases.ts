// The quality benchmark's fixed case set: code nobody on this project wrote (TypeScript and JavaScript sources of
// packages in node_modules, Python's standard library), masked at deterministic places in three ways:
// - rest-of-line: the cursor stops inside a line (after a space, bracket, dot, comma or operator past its first
//   third), the rest of that line is the answer;
// - next-line: the cursor sits at the indentation of a line, the line is the answer;
// - block: the cursor sits at the indentation of a line, that line and the next two are the answer.
// The same files, positions and kinds in every run: results of two runs are comparable.
import fs from "node:fs";
import path from "node:path";
import {pickLines} from "./corpus";

export type CaseKind = "rest-of-line" | "next-line" | "block";
export const CASE_KINDS: CaseKind[] = ["rest-of-line", "next-line", "block"];

export interface QualitySource {
    /** Where it is read from: a path below the repository root, or below Python's standard library. */
    file: string;
    languageId: "typescript" | "javascript" | "python";
    pythonStdlib?: boolean;
}

export const QUALITY_SOURCES: QualitySource[] = [
    {file: "node_modules/@huggingface/jinja/src/lexer.ts", languageId: "typescript"},
    {file: "node_modules/@huggingface/jinja/src/parser.ts", languageId: "typescript"},
    {file: "node_modules/dompurify/src/utils.ts", languageId: "typescript"},
    {file: "node_modules/entities/src/decode.ts", languageId: "typescript"},
    {file: "node_modules/tldts-core/src/extract-hostname.ts", languageId: "typescript"},
    {file: "node_modules/vscode-jsonrpc/lib/common/connection.js", languageId: "javascript"},
    {file: "node_modules/vscode-languageserver/lib/common/server.js", languageId: "javascript"},
    {file: "node_modules/mocha/lib/runner.js", languageId: "javascript"},
    {file: "node_modules/commander/lib/command.js", languageId: "javascript"},
    {file: "node_modules/readable-stream/lib/_stream_writable.js", languageId: "javascript"},
    {file: "textwrap.py", languageId: "python", pythonStdlib: true},
    {file: "shlex.py", languageId: "python", pythonStdlib: true},
    {file: "fnmatch.py", languageId: "python", pythonStdlib: true},
    {file: "calendar.py", languageId: "python", pythonStdlib: true},
    {file: "heapq.py", languageId: "python", pythonStdlib: true}
];

export interface MaskedCase {
    id: string;
    /** file:// URI of the source (the document the harness opens is this file with the answer cut out). */
    uri: string;
    languageId: string;
    kind: CaseKind;
    /** The document around the hole, and the cursor position at the hole. */
    prefix: string;
    suffix: string;
    line: number;
    character: number;
    expected: string;
    /** Lines of the answer (what a completion is cut to before scoring). */
    span: number;
}

export interface SourceFile {
    uri: string;
    languageId: string;
    text: string;
}

/** Python's standard library: Debian's /usr/lib/python3.X (CI installs python3), else the running python3's. */
function pythonStdlib(): string {
    for (const dir of ["/usr/lib/python3.11", "/usr/lib/python3.12", "/usr/lib/python3.13"]) {
        if (fs.existsSync(path.join(dir, "textwrap.py"))) return dir;
    }
    throw new Error("Python's standard library was not found in /usr/lib/python3.1x: apt-get install python3");
}

export function loadSources(root: string): SourceFile[] {
    return QUALITY_SOURCES.map((s) => {
        const file = s.pythonStdlib ? path.join(pythonStdlib(), s.file) : path.join(root, s.file);
        return {uri: `file://${file}`, languageId: s.languageId, text: fs.readFileSync(file, "utf8").replace(/\r\n/g, "\n")};
    });
}

/** `perFile` cases per file, kinds in turn, at lines spread evenly through the file. */
export function buildCases(files: SourceFile[], perFile: number): MaskedCase[] {
    const cases: MaskedCase[] = [];
    for (const file of files) {
        const lines = file.text.split("\n");
        const picked = pickLines(lines, perFile, 20).filter((l) => l + 3 <= lines.length);
        for (const [k, line] of picked.entries()) {
            const kind = CASE_KINDS[k % CASE_KINDS.length];
            const c = maskAt(file, lines, line, kind);
            if (c) cases.push(c);
        }
    }
    return cases;
}

function maskAt(file: SourceFile, lines: string[], line: number, kind: CaseKind): MaskedCase | undefined {
    const text = lines[line];
    const indent = /^\s*/.exec(text)![0].length;
    const before = lines.slice(0, line).map((l) => l + "\n").join("");
    const id = `${path.basename(file.uri)}:${line + 1}:${kind}`;
    const base = {id, uri: file.uri, languageId: file.languageId, kind, line};
    if (kind === "rest-of-line") {
        const cut = splitPoint(text, indent);
        if (cut === undefined) return undefined;
        return {...base, character: cut, span: 1, prefix: before + text.slice(0, cut),
            suffix: "\n" + lines.slice(line + 1).join("\n"), expected: text.slice(cut).trimEnd()};
    }
    const span = kind === "block" ? 3 : 1;
    const expected = lines.slice(line, line + span).map((l) => l.trimEnd()).join("\n").slice(indent);
    return {...base, character: indent, span, prefix: before + text.slice(0, indent),
        suffix: "\n" + lines.slice(line + span).join("\n"), expected};
}

/** A place inside the line where a user plausibly pauses: after a separator, past the first third, before the end. */
function splitPoint(text: string, indent: number): number | undefined {
    const body = text.trimEnd();
    const from = indent + Math.ceil((body.length - indent) / 3);
    for (let i = from; i < body.length - 3; i++) {
        if (/[ (.,=:[{]/.test(body[i - 1]) && body[i] !== " ") return i;
    }
    return undefined;
}
