// Reads the extension's sources with the TypeScript parser: the l10n keys they use (the first argument of
// l10n.t / vscode.l10n.t, the two forms of l10n.plural), and every string literal that looks like prose for a
// person but does not go through them. test/unit/l10n.test.ts runs both; GEMMA_CODE_L10N_WRITE=1 rewrites
// l10n/bundle.l10n.json from the keys.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export interface KeyUse {
    key: string;
    file: string;
    line: number;
    /** The other form of a plural message (one ↔ other). */
    pluralPartner?: string;
}

export interface Finding {
    file: string;
    line: number;
    text: string;
    why: string;
}

export function sourceFiles(root: string, dirs: string[]): string[] {
    const out: string[] = [];
    for (const dir of dirs) {
        const abs = path.join(root, dir);
        if (!fs.existsSync(abs)) continue;
        for (const f of fs.readdirSync(abs, {recursive: true}) as string[]) {
            if (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) out.push(path.join(abs, f));
        }
    }
    return out.sort();
}

function parse(file: string) {
    return ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** `l10n.t`, `vscode.l10n.t` → "t"; `l10n.plural` → "plural"; anything else undefined. */
function l10nCall(node: ts.Node): "t" | "plural" | undefined {
    if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
    const callee = node.expression;
    const name = callee.name.text;
    const target = callee.expression;
    const isL10n = (ts.isIdentifier(target) && target.text === "l10n")
        || (ts.isPropertyAccessExpression(target) && target.name.text === "l10n" && target.expression.getText() === "vscode");
    if (!isL10n) return undefined;
    return name === "t" ? "t" : name === "plural" ? "plural" : undefined;
}

function literalText(node: ts.Node | undefined): string | undefined {
    return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/** Every key used, and the calls whose key is not a literal (which no bundle could hold). */
export function extractKeys(files: string[], root: string): {keys: KeyUse[]; problems: Finding[]} {
    const keys: KeyUse[] = [];
    const problems: Finding[] = [];
    for (const file of files) {
        const sf = parse(file);
        const rel = path.relative(root, file);
        const visit = (node: ts.Node) => {
            const kind = l10nCall(node);
            if (kind && ts.isCallExpression(node)) {
                const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
                if (kind === "t") {
                    const key = literalText(node.arguments[0]);
                    if (key === undefined) problems.push({file: rel, line, text: node.getText().slice(0, 80), why: "l10n.t needs a literal message"});
                    else keys.push({key, file: rel, line});
                } else {
                    const one = literalText(node.arguments[1]), other = literalText(node.arguments[2]);
                    if (one === undefined || other === undefined) {
                        problems.push({file: rel, line, text: node.getText().slice(0, 80), why: "l10n.plural needs literal one/other messages"});
                    } else {
                        keys.push({key: one, file: rel, line, pluralPartner: other}, {key: other, file: rel, line, pluralPartner: one});
                    }
                }
            }
            ts.forEachChild(node, visit);
        };
        visit(sf);
    }
    return {keys, problems};
}

const LOG_METHODS = new Set(["info", "warn", "error", "debug", "trace", "appendLine", "log"]);

/** Text a person would read: two words, or one capitalised word (HTML tags and codicons removed). */
export function looksLikeProse(text: string): boolean {
    // Product names stay as they are in every language.
    const visible = text.replace(/\bGemma(?: Code| \d+ \d+B)?\b/g, " ").replace(/<[^>]*>/g, " ").replace(/\$\([a-z0-9~-]+\)/g, " ").replace(/\$\{[^}]*\}/g, " ")
        .replace(/https?:\/\/\S+/g, " ");
    if (/\p{L}{2,}[ \u00a0]+\p{L}{2,}/u.test(visible)) return true;
    return /(^|[^\p{L}.])[A-Z][a-z]{2,}([\s.…!?:]|$)/u.test(visible.trim());
}

/**
 * String literals in `files` that look like prose and reach no l10n call. Allowed without one: module names,
 * log lines (for developers, in English like VS Code's own logs), property names, comparisons and `case`
 * labels (values, not text), types, and lines marked `// l10n-ignore: why`.
 */
export function findUntranslated(files: string[], root: string): Finding[] {
    const findings: Finding[] = [];
    for (const file of files) {
        const sf = parse(file);
        const rel = path.relative(root, file);
        const lines = sf.text.split("\n");
        const ignored = (line: number) => /l10n-ignore/.test(lines[line - 1] ?? "") || /l10n-ignore/.test(lines[line - 2] ?? "");
        const check = (node: ts.Node, text: string) => {
            if (!looksLikeProse(text)) return;
            const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
            if (ignored(line) || exempt(node)) return;
            findings.push({file: rel, line, text: text.replace(/\s+/g, " ").slice(0, 100), why: "prose outside l10n.t"});
        };
        const visit = (node: ts.Node) => {
            if (l10nCall(node)) return; // the messages of l10n calls are the keys
            if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isLiteralTypeNode(node)) return;
            if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) check(node, node.text);
            else if (ts.isTemplateExpression(node)) {
                check(node, [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join("${}"));
            }
            ts.forEachChild(node, visit);
        };
        visit(sf);
    }
    return findings;
}

function exempt(node: ts.Node): boolean {
    let parent = node.parent;
    // `a ? "x" : "y"` is judged by where it goes.
    while (parent && (ts.isConditionalExpression(parent) || ts.isParenthesizedExpression(parent)) && parent.parent) {
        node = parent;
        parent = parent.parent;
    }
    if (!parent) return false;
    if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name === node) return true;
    if (ts.isElementAccessExpression(parent) && parent.argumentExpression === node) return true;
    if (ts.isCaseClause(parent)) return true;
    // DOM plumbing: class names and selectors.
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
        && ts.isPropertyAccessExpression(parent.left) && ["className", "id", "type"].includes(parent.left.name.text)) return true;
    if (ts.isCallExpression(parent) && ts.isPropertyAccessExpression(parent.expression)
        && ["querySelector", "querySelectorAll", "closest", "getElementById", "createElement", "add", "remove", "toggle", "contains"]
            .includes(parent.expression.name.text)) return true;
    if (ts.isBinaryExpression(parent) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken,
        ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(parent.operatorToken.kind)) return true;
    // A log line anywhere up the expression (its text may be built from several literals).
    for (let n: ts.Node | undefined = parent; n && !ts.isStatement(n); n = n.parent) {
        if (ts.isCallExpression(n)) {
            const callee = n.expression;
            const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "";
            const on = ts.isPropertyAccessExpression(callee) ? callee.expression.getText() : "";
            if (LOG_METHODS.has(name) && (/(^|\.)(log|logger|console)$/i.test(on) || name === "log")) return true;
            if (name === "require") return true;
        }
    }
    return false;
}

/** `{0}`, `{1}` … of a message, sorted: what every translation must keep. */
export function placeholders(message: string): string[] {
    return [...message.matchAll(/\{(\d+)\}/g)].map((m) => m[0]).sort();
}

/** Properties and variables whose value is a message for the user (the server's state, notes, code actions…). */
const MESSAGE_NAMES = /^(message|title|note|label|failure|fellBack|missing|NO_ENDPOINT)$/;
/** Calls whose arguments are messages: the server's failure helpers, progress, and lists of failures. */
const MESSAGE_CALLS = new Set(["fail", "drop", "onProgress", "create"]);

/**
 * The language server's message sites (errors it throws or answers with, `new …Error(…)` arguments, `message`,
 * `title`, `note`, `label` properties and variables, the failure helpers, `failures.push`): prose there that does
 * not go through l10n.t is a message its client cannot translate. Prompts for the model are no message sites.
 * `// l10n-ignore: why` on the site's line or the line above marks the exceptions (protocol errors for a client's
 * developer, messages sent before any LSP connection).
 */
export function findUntranslatedMessages(files: string[], root: string): Finding[] {
    const findings = new Map<string, Finding>();
    for (const file of files) {
        const sf = parse(file);
        const rel = path.relative(root, file);
        const lines = sf.text.split("\n");
        const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const ignoredAt = (line: number) => /l10n-ignore/.test(lines[line - 1] ?? "") || /l10n-ignore/.test(lines[line - 2] ?? "");
        const prose = (site: ts.Node, expr: ts.Node) => {
            if (ignoredAt(lineOf(site))) return;
            const visit = (node: ts.Node) => {
                if (l10nCall(node)) return;
                let text: string | undefined;
                if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
                else if (ts.isTemplateExpression(node)) text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join("${}");
                if (text !== undefined && looksLikeProse(text) && !ignoredAt(lineOf(node)) && !exempt(node)) {
                    const line = lineOf(node);
                    findings.set(`${rel}:${line}:${node.getStart()}`, {file: rel, line, text: text.replace(/\s+/g, " ").slice(0, 100), why: "message outside l10n.t"});
                }
                ts.forEachChild(node, visit);
            };
            visit(expr);
        };
        const visit = (node: ts.Node) => {
            if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
            if (ts.isNewExpression(node) && /Error$/.test(node.expression.getText())) for (const a of node.arguments ?? []) prose(node, a);
            else if (ts.isThrowStatement(node)) prose(node, node.expression);
            else if (ts.isPropertyAssignment(node) && MESSAGE_NAMES.test(node.name.getText())) prose(node, node.initializer);
            else if (ts.isVariableDeclaration(node) && node.initializer && MESSAGE_NAMES.test(node.name.getText())) prose(node, node.initializer);
            else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && MESSAGE_NAMES.test(node.left.getText())) {
                prose(node, node.right);
            } else if (ts.isCallExpression(node)) {
                const callee = node.expression;
                const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "";
                const on = ts.isPropertyAccessExpression(callee) ? callee.expression.getText() : "";
                if ((MESSAGE_CALLS.has(name) && (name !== "create" || on === "Command")) || (name === "push" && /failures$/.test(on))) {
                    for (const a of node.arguments) prose(node, a);
                }
            }
            ts.forEachChild(node, visit);
        };
        visit(sf);
    }
    return [...findings.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/**
 * GEMMA_CODE_L10N_WRITE=1: writes the English bundle of `dir` (every key its own translation) and lists, per
 * locale, the keys its bundle lacks, for the translator to add.
 */
export function writeEnglishBundle(dir: string, keys: string[], locales: readonly string[]) {
    const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
    fs.mkdirSync(dir, {recursive: true});
    fs.writeFileSync(path.join(dir, "bundle.l10n.json"), `${JSON.stringify(Object.fromEntries(keys.map((k) => [k, k])), null, 2)}\n`);
    for (const locale of locales) {
        const file = path.join(dir, `bundle.l10n.${locale}.json`);
        const have = fs.existsSync(file) ? readJson(file) : {};
        const missing = keys.filter((k) => !(k in have));
        if (missing.length) console.log(`${locale}: ${missing.length} missing\n${JSON.stringify(missing, null, 1)}`);
    }
}
