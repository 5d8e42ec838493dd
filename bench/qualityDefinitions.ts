// What an editor's definition providers would answer to gemma/definitionSnippets in the quality benchmark (which
// runs without VS Code): the definitions of identifiers on the cursor line and the lines just above it, found by
// declaration patterns in the files of the case's language, the case's own document (answer cut out) included.
// As the extension's answer (src/definitions.ts): no definition within NEAR_CURSOR lines of the cursor in its own
// document (that code is already in the prompt; shown again, with the hole in it, the model copied the hole), and
// keywords are no symbols (`while (x) {` is no method declaration; a definition provider answers nothing there).
import type {MaskedCase, SourceFile} from "./qualityCases";

const LINES_ABOVE = 3;
const SNIPPET_LINES = 10;
const MAX_SNIPPETS = 3;
const NEAR_CURSOR = 40;
const KEYWORDS = new Set(["if", "else", "elif", "while", "for", "switch", "case", "catch", "function", "return", "with", "typeof",
    "await", "async", "yield", "class", "def", "lambda", "not", "and", "from", "import", "export", "const", "let", "var", "this",
    "self", "super", "new", "true", "false", "null", "None", "True", "False", "void", "throw", "raise", "try", "except", "finally"]);

export function definitionsFor(c: MaskedCase, sources: SourceFile[]): {label: string; text: string}[] {
    const near = c.prefix.split("\n").slice(-1 - LINES_ABOVE).join("\n");
    const names = [...new Set(near.match(/[A-Za-z_$][\w$]{3,}/g) ?? [])].filter((n) => !KEYWORDS.has(n));
    const docs = [{uri: c.uri, text: c.prefix + c.suffix},
        ...sources.filter((s) => s.languageId === c.languageId && s.uri !== c.uri)];
    const out: {label: string; text: string}[] = [];
    for (const name of names) {
        const decl = new RegExp(`^\\s*(?:export\\s+)?(?:async\\s+)?(?:function\\*?\\s+${name}\\b|def\\s+${name}\\b|class\\s+${name}\\b|`
            + `(?:const|let|var)\\s+${name}\\s*=|${name}\\s*\\([^)]*\\)\\s*[:{])`);
        for (const doc of docs) {
            const lines = doc.text.split("\n");
            const at = lines.findIndex((l, i) => decl.test(l) && (doc.uri !== c.uri || Math.abs(i - c.line) >= NEAR_CURSOR));
            if (at < 0) continue;
            out.push({label: `${doc.uri.split("/").pop()}:${at + 1}`, text: lines.slice(at, at + SNIPPET_LINES).join("\n")});
            break;
        }
        if (out.length >= MAX_SNIPPETS) break;
    }
    return out;
}
