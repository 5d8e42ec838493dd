// The protocol is the whole contract: protocol/ defines every custom request, notification, command id and error
// code, and nothing else in the product writes one out. This reads the sources of src/, language-server/, common/
// and media/ and fails on
// - a custom method string ("gemma/…" anywhere in a string, messages included: they interpolate X.method),
// - an LSP method as a string ("workspace/configuration"), or a raw method string given to sendRequest/sendNotification/onRequest/onNotification or compared with `method`
//   (LSP's own methods too: vscode-languageserver-protocol's typed definitions name them),
// - a command id of ours as a string (Commands, ClientCommands and ServerCommands name them),
// - a JSON-RPC/LSP error number (-32xxx; ErrorCodes names them).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {ClientCommands, Commands, ServerCommands} from "../../protocol/lsp";
import {repoRoot} from "../support/paths";

const SCANNED = ["src", "language-server", "common", "media"];
const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
const COMMAND_IDS = new Set<string>([...Object.values(Commands), ...Object.values(ClientCommands), ...Object.values(ServerCommands)]);

function sources(dir: string): string[] {
    return fs.readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
        const file = path.join(dir, e.name);
        return e.isDirectory() ? sources(file) : /\.(ts|mjs|js)$/.test(e.name) ? [file] : [];
    });
}

/** The text with comments blanked out (their words are documentation, not contract). */
function withoutComments(text: string): string {
    return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Every violation in one file's text, as "line: what". */
export function violations(text: string): string[] {
    const found: string[] = [];
    const code = withoutComments(text);
    const lineOf = (index: number) => code.slice(0, index).split("\n").length;
    const report = (index: number, what: string) => found.push(`${lineOf(index)}: ${what}`);
    for (const m of code.matchAll(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g)) {
        const literal = m[2];
        if (/\bgemma\/[A-Za-z]/.test(literal)) report(m.index!, `custom method in a string: ${m[0]}`);
        if (COMMAND_IDS.has(literal)) report(m.index!, `command id as a string: ${m[0]}`);
        if (/^(textDocument|workspace|window|client|telemetry|notebookDocument|\$)\/[\w/]+$/.test(literal)) report(m.index!, `LSP method as a string: ${m[0]}`);
    }
    for (const m of code.matchAll(/\b(?:sendRequest|sendNotification|onRequest|onNotification)\s*\(\s*["'`]/g)) {
        report(m.index!, `raw method string: ${m[0]}`);
    }
    for (const m of code.matchAll(/\.method\s*[!=]==?\s*["'`]/g)) report(m.index!, `method compared with a string: ${m[0]}`);
    for (const m of code.matchAll(/-\s*32[0-9]{3}\b/g)) report(m.index!, `error number: ${m[0]}`);
    return found;
}

describe("protocol: the whole contract", () => {
    it("no custom method string, raw method, command id or error number outside protocol/", () => {
        const all = SCANNED.flatMap((dir) => sources(path.join(repoRoot, dir)))
            .flatMap((file) => violations(fs.readFileSync(file, "utf8")).map((v) => `${path.relative(repoRoot, file)}:${v}`));
        assert.deepEqual(all, []);
    });

    it("catches each kind of violation (the scanner itself)", () => {
        assert.equal(violations(`connection.sendRequest("gemma/review", {});`).length, 2);
        assert.equal(violations(`throw new Error("gemma/edit needs an instruction.");`).length, 1);
        assert.equal(violations(`client.sendNotification("workspace/didChangeConfiguration", x);`).length, 2);
        assert.equal(violations(`if (m.method === "exit") return;`).length, 1);
        assert.equal(violations(`askClient(connection, "workspace/configuration", {}, log);`).length, 1);
        assert.equal(violations(`vscode.commands.registerCommand("gemmaCode.reviewFile", f);`).length, 1);
        assert.equal(violations(`if (e.code === -32800) return;`).length, 1);
        assert.deepEqual(violations(`// gemma/review, "gemmaCode.reviewFile", -32800 in a comment\nsendRequest(ReviewRequest.type, p);`), []);
    });

    it("lists exactly the commands package.json contributes, all with one prefix", () => {
        const contributed = (manifest.contributes.commands as {command: string}[]).map((c) => c.command).sort();
        assert.deepEqual(Object.values(Commands).sort(), contributed);
        for (const id of COMMAND_IDS) assert.match(id, /^gemmaCode\.[\w.]+$/);
        for (const group of Object.values(manifest.contributes.menus as Record<string, {command: string}[]>)) {
            for (const item of group) assert.ok(contributed.includes(item.command), item.command);
        }
        for (const key of manifest.contributes.keybindings as {command: string}[]) assert.ok(contributed.includes(key.command), key.command);
    });
});
