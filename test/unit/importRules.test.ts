// The language server's import rules (README "Architecture"), checked by reading the import statements of every
// language-server/**/*.ts file:
// 1. Features (completion/, review/, tasks/, context/, edit/, commitMessage/) and every other file outside engine/
//    import from engine/ only engine/engine.ts, the engine's interface. Only the composition roots, which build the
//    engines (server.ts, entry.ts, host/), reach inside.
// 2. engine/ imports no feature and nothing of the server around it: only other engine/ files, log.ts, protocol/ and
//    packages.
// 3. engine/local/ and engine/remote/ do not import each other.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

const FEATURES = ["completion", "review", "tasks", "context", "edit", "commitMessage"];
const COMPOSITION_ROOTS = ["server.ts", "entry.ts", "host/"];
/** What engine/ may import from the language server outside engine/. */
const ENGINE_MAY_IMPORT = ["log.ts", "l10n.ts"];

interface Import {
    /** The importing file, relative to language-server/. */
    from: string;
    /** The imported file, relative to the repository root (a package's name as written, for packages). */
    to: string;
    line: number;
}

function repoRoot(): string {
    const candidates = [process.cwd(), path.resolve(__dirname, "../../.."), path.resolve(__dirname, "../..")];
    const found = candidates.find((c) => fs.existsSync(path.join(c, "language-server/engine/engine.ts")));
    if (!found) throw new Error(`repository root not found; looked in ${candidates.join(", ")}`);
    return found;
}

/**
 * The specifiers of a file's static imports and re-exports (`import … from "x"`, `import "x"`, `export … from "x"`,
 * multi-line ones included) and of its dynamic `import("x")` and `require("x")`, with their line numbers. Statements
 * start a line; a line inside a block comment starts with `*`, so comments that mention imports are not read.
 */
export function importSpecifiers(source: string): {spec: string; line: number}[] {
    const found: {spec: string; line: number}[] = [];
    const lineOf = (index: number) => source.slice(0, index).split("\n").length;
    const statement = /^[ \t]*(?:import|export)\b(?:[^"';]|\n)*?\bfrom[ \t]*["']([^"'\n]+)["']|^[ \t]*import[ \t]*["']([^"'\n]+)["']/gm;
    for (let m = statement.exec(source); m; m = statement.exec(source)) found.push({spec: m[1] ?? m[2], line: lineOf(m.index)});
    const call = /\b(?:import|require)\(\s*["']([^"'\n]+)["']\s*\)/g;
    for (let m = call.exec(source); m; m = call.exec(source)) found.push({spec: m[1], line: lineOf(m.index)});
    return found;
}

function sourceFiles(dir: string): string[] {
    return (fs.readdirSync(dir, {recursive: true}) as string[])
        .filter((f) => f.endsWith(".ts"))
        .map((f) => f.split(path.sep).join("/"))
        .sort();
}

/** A relative specifier as a repository path (with its .ts file where there is one). */
function resolve(root: string, fromFile: string, spec: string): string {
    if (!spec.startsWith(".")) return spec;
    const base = path.resolve(path.dirname(path.join(root, "language-server", fromFile)), spec);
    const file = [base + ".ts", path.join(base, "index.ts"), base].find((c) => fs.existsSync(c)) ?? base;
    return path.relative(root, file).split(path.sep).join("/");
}

function allImports(root: string): Import[] {
    return sourceFiles(path.join(root, "language-server")).flatMap((from) =>
        importSpecifiers(fs.readFileSync(path.join(root, "language-server", from), "utf8"))
            .map(({spec, line}) => ({from, to: resolve(root, from, spec), line})));
}

/** The rules above, as a list of violations ("file:line imports target: why"). */
export function violations(imports: Import[]): string[] {
    const out: string[] = [];
    const say = (i: Import, why: string) => out.push(`language-server/${i.from}:${i.line} imports ${i.to}: ${why}`);
    for (const i of imports) {
        if (!i.to.startsWith("language-server/")) continue;
        const target = i.to.slice("language-server/".length);
        const fromEngine = i.from.startsWith("engine/");
        if (!fromEngine) {
            const root = COMPOSITION_ROOTS.some((r) => r.endsWith("/") ? i.from.startsWith(r) : i.from === r);
            if (target.startsWith("engine/") && target !== "engine/engine.ts" && !root) {
                say(i, "outside engine/, only engine/engine.ts may be imported (the engine's interface)");
            }
            continue;
        }
        if (!target.startsWith("engine/")) {
            if (!ENGINE_MAY_IMPORT.includes(target)) say(i, "engine/ may not import features or the server around it");
            continue;
        }
        if ((i.from.startsWith("engine/local/") && target.startsWith("engine/remote/"))
            || (i.from.startsWith("engine/remote/") && target.startsWith("engine/local/"))) {
            say(i, "engine/local/ and engine/remote/ do not import each other");
        }
    }
    return out;
}

describe("language-server import rules", () => {
    const root = repoRoot();
    const imports = allImports(root);

    it("reads the import statements (a parser that finds nothing would pass every rule)", () => {
        const has = (from: string, to: string) => imports.some((i) => i.from === from && i.to === to);
        assert.ok(has("server.ts", "language-server/engine/engineSwitch.ts"), "server.ts → engine/engineSwitch.ts");
        assert.ok(has("completion/completionService.ts", "language-server/engine/engine.ts"), "a type import");
        assert.ok(has("completion/completionService.ts", "language-server/completion/postprocess/index.ts"), "a folder import");
        assert.ok(has("engine/remote/session.ts", "language-server/engine/remote/openaiStream.ts"), "a multi-name import");
        assert.deepEqual(importSpecifiers('import {\n    a,\n    b\n} from "./x";\nexport * from "./y";\nimport "./z";\n'
            + ' * import {c} from "./comment";\nconst m = await import("./w");'),
        [{spec: "./x", line: 1}, {spec: "./y", line: 5}, {spec: "./z", line: 6}, {spec: "./w", line: 8}]);
        for (const feature of FEATURES) {
            assert.ok(imports.some((i) => i.from.startsWith(`${feature}/`)), `no imports read in ${feature}/`);
        }
    });

    it("features import only engine/engine.ts from engine/; engine/ imports no feature; local/ and remote/ stay apart", () => {
        assert.deepEqual(violations(imports), []);
    });

    it("reports each kind of violation", () => {
        const v = violations([
            {from: "completion/prompt.ts", to: "language-server/engine/local/generator.ts", line: 1},
            {from: "review/reviewRunner.ts", to: "language-server/engine/modelFamily.ts", line: 2},
            {from: "engine/engine.ts", to: "language-server/completion/prompt.ts", line: 3},
            {from: "engine/local/localEngine.ts", to: "language-server/engine/remote/http.ts", line: 4},
            {from: "host/sharedModel.ts", to: "language-server/engine/local/modelHost.ts", line: 5},
            {from: "engine/remote/session.ts", to: "language-server/log.ts", line: 6}
        ]);
        assert.equal(v.length, 4, v.join("\n"));
    });
});
