import assert from "node:assert/strict";
import {TextDocument} from "vscode-languageserver-textdocument";
import {OpenEditorSnippets} from "../../language-server/context/openEditors";

const doc = (uri: string, text: string, languageId = "typescript", version = 1) => TextDocument.create(uri, languageId, version, text);
const filler = (n: number) => Array.from({length: n}, (_, i) => `const unrelated${i} = ${i};`).join("\n");

describe("context from open, unedited editors", () => {
    const helper = doc("file:///w/geometry.ts", `${filler(40)}\nexport function distanceBetween(pointA: Point, pointB: Point) {\n`
        + "    return Math.hypot(pointA.x - pointB.x, pointA.y - pointB.y);\n}\n" + filler(40));
    const current = doc("file:///w/main.ts", "import {distanceBetween, Point} from './geometry';\nconst pointA: Point = {x: 0, y: 0};\n"
        + "const pointB: Point = {x: 3, y: 4};\nconst d = distanceBetween(");

    it("picks the chunk of another open file that shares the most identifiers with the lines above the cursor", () => {
        const s = new OpenEditorSnippets().snippetsFor(current, {line: 3}, [current, helper], new Set());
        assert.ok(s.length >= 1);
        assert.match(s[0].text, /function distanceBetween/);
        assert.match(s[0].label, /^w\/geometry\.ts:\d+$/);
        assert.ok(s.length <= 2, "at most two snippets");
    });

    it("skips the current document, edited documents, other languages and unrelated code", () => {
        const source = new OpenEditorSnippets();
        assert.deepEqual(source.snippetsFor(current, {line: 3}, [current, helper], new Set([helper.uri])), []);
        const python = doc("file:///w/geometry.py", helper.getText(), "python");
        assert.deepEqual(source.snippetsFor(current, {line: 3}, [current, python], new Set()), []);
        const noise = doc("file:///w/noise.ts", filler(60));
        assert.deepEqual(source.snippetsFor(current, {line: 3}, [current, noise], new Set()), []);
    });

    it("sees a document's new version", () => {
        const source = new OpenEditorSnippets();
        assert.equal(source.snippetsFor(current, {line: 3}, [current, helper], new Set()).length > 0, true);
        const emptied = doc(helper.uri, filler(60), "typescript", 2);
        assert.deepEqual(source.snippetsFor(current, {line: 3}, [current, emptied], new Set()), []);
    });
});
