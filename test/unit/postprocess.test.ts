// Golden tests of the inline-completion postprocessor (language-server/completion/postprocess/).
//
// The cases are grouped per filter: test/golden/postprocess/<filter>/*.txt holds the cases of
// language-server/completion/postprocess/<filter>.ts (each runs the whole pipeline; its category says which filter
// it is about). Each file is one case, readable as it would look in the editor:
//
//     name: what the case shows
//     category: special-tokens | suffix-duplication | bracket-balance | indentation-scope | repetition |
//               whitespace | multiline-decision
//     language: typescript            (the VS Code languageId)
//     mode: auto                      (auto: decideMultiline decides; single / multi: forced)
//     multiline: true                 (optional: what decideMultiline must answer)
//     === document
//     the document, with █ where the cursor is
//     === raw
//     what the model wrote
//     === expected
//     what the user must see           (or a `=== expected null` section: the completion is dropped)
//
// A section is every line up to the next "=== " line, joined with "\n"; the file's final newline is not part of
// the last one. Trailing whitespace and tabs are significant. `=== raw (json)` (any section) takes a JSON
// string literal instead, for text with characters an editor would mangle.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
    decideMultiline,
    postprocessCompletion,
    truncateAtStopSignals,
    type CompletionContext
} from "../../language-server/completion/postprocess";

const CURSOR = "█";

interface GoldenCase {
    file: string;
    /** The folder it is in: the filter it is about. */
    filter: string;
    name: string;
    category: string;
    ctx: CompletionContext;
    /** auto: decideMultiline decides; single/multi: forced. */
    mode: "auto" | "single" | "multi";
    /** What decideMultiline must answer, when the case says. */
    expectMultiline?: boolean;
    raw: string;
    /** undefined: the completion must be dropped. */
    expected: string | undefined;
}

/** The golden folder, whether this runs bundled (out/test/unit/) or from the sources, from the repo root or not. */
function goldenDir(): string {
    const candidates = [
        path.resolve(process.cwd(), "test/golden/postprocess"),
        path.resolve(__dirname, "../../../test/golden/postprocess"),
        path.resolve(__dirname, "../golden/postprocess")
    ];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error(`golden folder not found; looked in ${candidates.join(", ")}`);
    return found;
}

/**
 * Parses one case file: `key: value` headers, then sections introduced by `=== name` lines. A section's content
 * is every line up to the next `=== ` line, joined with "\n" (the file's own final newline is not content).
 * `=== name (json)` gives the content as a JSON string literal instead, for text with odd characters.
 */
function parseCase(file: string, filter: string, text: string): GoldenCase {
    const lines = text.replace(/\r\n/g, "\n").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const headers: Record<string, string> = {};
    const sections: Record<string, string | null> = {};
    let current: {name: string; json: boolean; body: string[]} | undefined;
    const finish = () => {
        if (!current) return;
        const body = current.body.join("\n");
        sections[current.name] = current.json ? JSON.parse(body) as string | null : body;
    };
    for (const line of lines) {
        if (line.startsWith("=== ")) {
            finish();
            const header = line.slice(4).trim();
            const json = header.endsWith("(json)");
            current = {name: json ? header.slice(0, -6).trim() : header, json, body: []};
        } else if (current) {
            current.body.push(line);
        } else if (line.trim() !== "" && !line.startsWith("#")) {
            const colon = line.indexOf(":");
            if (colon === -1) throw new Error(`${file}: bad header line ${JSON.stringify(line)}`);
            headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        }
    }
    finish();

    const document = sections.document;
    if (typeof document !== "string") throw new Error(`${file}: no document section`);
    const at = document.indexOf(CURSOR);
    if (at === -1 || document.indexOf(CURSOR, at + 1) !== -1) {
        throw new Error(`${file}: the document needs exactly one ${CURSOR}`);
    }
    if (typeof sections.raw !== "string") throw new Error(`${file}: no raw section`);
    if (!("expected" in sections) && !("expected null" in sections)) throw new Error(`${file}: no expected section`);
    const mode = (headers.mode ?? "auto") as GoldenCase["mode"];
    if (!["auto", "single", "multi"].includes(mode)) throw new Error(`${file}: bad mode ${mode}`);
    const expectMultiline = headers.multiline === undefined ? undefined : headers.multiline === "true";
    return {
        file,
        filter,
        name: headers.name ?? file,
        category: headers.category ?? "misc",
        ctx: {
            prefix: document.slice(0, at),
            suffix: document.slice(at + CURSOR.length),
            languageId: headers.language ?? "plaintext"
        },
        mode,
        expectMultiline,
        raw: sections.raw,
        expected: "expected null" in sections ? undefined : (sections.expected ?? undefined)
    };
}

/** The category header of the cases in each filter's folder. */
const CATEGORY_OF_FILTER: Record<string, string> = {
    specialTokens: "special-tokens", suffixOverlap: "suffix-duplication", brackets: "bracket-balance",
    indentationScope: "indentation-scope", repetition: "repetition", whitespace: "whitespace",
    multiline: "multiline-decision"
};

function loadCases(): GoldenCase[] {
    const dir = goldenDir();
    const loose = fs.readdirSync(dir).filter((f) => f.endsWith(".txt"));
    if (loose.length > 0) throw new Error(`golden cases outside a filter's folder: ${loose.join(", ")}`);
    return fs.readdirSync(dir, {withFileTypes: true})
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
        .flatMap((filter) => fs.readdirSync(path.join(dir, filter))
            .filter((f) => f.endsWith(".txt"))
            .sort()
            .map((f) => parseCase(f, filter, fs.readFileSync(path.join(dir, filter, f), "utf8"))));
}

describe("postprocess golden cases", () => {
    const cases = loadCases();

    it("has enough cases", () => {
        assert.ok(cases.length >= 30, `only ${cases.length} golden cases`);
    });

    for (const filter of [...new Set(cases.map((c) => c.filter))]) {
        describe(filter, () => {
            it("holds only cases of its filter", () => {
                assert.ok(filter in CATEGORY_OF_FILTER, `${filter}: not a filter of the pipeline`);
                for (const c of cases.filter((k) => k.filter === filter)) {
                    assert.equal(c.category, CATEGORY_OF_FILTER[filter], `${filter}/${c.file}`);
                }
            });
            for (const c of cases.filter((k) => k.filter === filter)) {
                it(`${c.category}: ${c.name} (${c.ctx.languageId}, ${c.file})`, () => {
                    const decided = decideMultiline(c.ctx);
                    if (c.expectMultiline !== undefined) {
                        assert.equal(decided, c.expectMultiline, "decideMultiline");
                    }
                    const multiline = c.mode === "auto" ? decided : c.mode === "multi";
                    assert.equal(postprocessCompletion(c.raw, c.ctx, {multiline}), c.expected);
                });
            }
        });
    }
});

describe("truncateAtStopSignals", () => {
    const tokens = [
        "<|file_separator|>", "<end_of_turn>", "<start_of_turn>", "<eos>", "<|fim_prefix|>", "<|fim_suffix|>",
        "<|fim_middle|>", "<|endoftext|>", "<|im_end|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>",
        "</fim_middle>", "<｜fim▁end｜>", "<｜fim▁hole｜>", "<|EOT|>", "[SUFFIX]", "[PREFIX]", "[MIDDLE]", "</s>"
    ];
    for (const token of tokens) {
        it(`cuts at ${token}`, () => {
            assert.equal(truncateAtStopSignals(`foo(1);${token}bar(2);`), "foo(1);");
            assert.equal(truncateAtStopSignals(`a\nb${token}`), "a\nb");
        });
    }

    it("cuts at a closing fence line and drops an opening one", () => {
        assert.equal(truncateAtStopSignals("x = 1\n```\nExplanation: ..."), "x = 1");
        assert.equal(truncateAtStopSignals("```ts\nconst a = 1;\n```"), "const a = 1;");
        assert.equal(truncateAtStopSignals("```\n\nThe code above adds two numbers."), "");
        assert.equal(truncateAtStopSignals("\n  ```python\nx = 1\n```"), "x = 1");
        assert.equal(truncateAtStopSignals("x\n  ```\nmore"), "x");
    });

    it("keeps backticks that are not a fence line", () => {
        assert.equal(truncateAtStopSignals("const s = ```;"), "const s = ```;");
        assert.equal(truncateAtStopSignals("const t = `a`;"), "const t = `a`;");
    });

    it("keeps fences in markdown and </s> in markup", () => {
        assert.equal(truncateAtStopSignals("```js\nx\n```", "markdown"), "```js\nx\n```");
        assert.equal(truncateAtStopSignals("<s>old</s> new", "html"), "<s>old</s> new");
        assert.equal(truncateAtStopSignals("<s>old</s> new", "typescript"), "<s>old");
    });

    it("cuts a partial special token at the end", () => {
        assert.equal(truncateAtStopSignals("return x;<|file_sep"), "return x;");
        assert.equal(truncateAtStopSignals("return x;\n<end_of"), "return x;\n");
        assert.equal(truncateAtStopSignals("done<｜fim"), "done");
        assert.equal(truncateAtStopSignals("x\n``"), "x\n");
    });

    it("keeps code that merely looks like the start of a token", () => {
        assert.equal(truncateAtStopSignals("if (a < b"), "if (a < b");
        assert.equal(truncateAtStopSignals("xs[i"), "xs[i");
        assert.equal(truncateAtStopSignals("a <e"), "a <e");
    });

    it("leaves text without stop signals alone", () => {
        assert.equal(truncateAtStopSignals("plain text\n  more"), "plain text\n  more");
        assert.equal(truncateAtStopSignals(""), "");
    });
});

describe("postprocess on 5 MB inputs", function () {
    // A per-test timeout rather than a timed assertion: generous for a busy CI machine (each case takes well
    // under a second), far below what a quadratic scan or a backtracking regex over 5 MB would need.
    this.timeout(5000);
    const MB5 = 5 * 1024 * 1024;
    const codeLine = "    const value = compute(items[index], options);\n";
    let ctx: CompletionContext;
    before(() => {
        const body = codeLine.repeat(Math.ceil(MB5 / codeLine.length));
        ctx = {prefix: "function big() {\n" + body + "    ", suffix: "\n" + body + "}\n", languageId: "typescript"};
    });

    it("handles a 5 MB prefix, suffix and multi-line raw output", () => {
        // Lines that stay in the block, each different so that no repetition rule fires.
        const parts: string[] = [];
        let length = 0;
        for (let i = 0; length < MB5; i++) {
            parts.push(`let v${i} = f(${i});`);
            length += parts[i].length + 5;
        }
        const raw = parts.join("\n    ") + "\n}\n<|file_separator|>trailing";
        assert.equal(decideMultiline(ctx), true);
        assert.equal(postprocessCompletion(raw, ctx, {multiline: true}), parts.join("\n    "));
    });

    it("handles a 5 MB single line", () => {
        const parts: string[] = [];
        for (let i = 0, length = 0; length < MB5; i++, length += 8) parts.push(`a${i}`);
        const line = parts.join(" + ");
        assert.equal(postprocessCompletion(line + ";\nnext();", ctx, {multiline: false}), line + ";");
    });

    it("handles a 5 MB single-line (minified) document", () => {
        const minified: CompletionContext = {
            prefix: "var a=1;".repeat(MB5 / 8) + "var b=f(",
            suffix: ");" + "var c=2;".repeat(MB5 / 8),
            languageId: "javascript"
        };
        assert.equal(decideMultiline(minified), false);
        assert.equal(postprocessCompletion("a, 2);var d=3;", minified, {multiline: false}), "a, 2");
    });

    it("handles a 5 MB raw output cut early by a stop token", () => {
        const raw = "return 1;<end_of_turn>" + "x".repeat(MB5);
        assert.equal(postprocessCompletion(raw, ctx, {multiline: true}), "return 1;");
    });

    for (const filler of ["<", "<|", "<｜", "[", "`", "(", " ", "\n", "ab"]) {
        it(`handles 5 MB of ${JSON.stringify(filler)}`, () => {
            const raw = "x = 1" + filler.repeat(Math.ceil(MB5 / filler.length));
            for (const multiline of [true, false]) {
                const out = postprocessCompletion(raw, ctx, {multiline});
                assert.ok(out === undefined || out.startsWith("x = 1"), `multiline: ${multiline}`);
            }
        });
    }
});
