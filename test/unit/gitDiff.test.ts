import assert from "node:assert/strict";
import {parseUnifiedDiff} from "../../common/gitDiff";

describe("git diff parsing", () => {
    it("turns hunks into new-side line ranges with context, without deletions or deleted files", () => {
        const diff = [
            "diff --git a/src/a.ts b/src/a.ts", "--- a/src/a.ts", "+++ b/src/a.ts",
            "@@ -10,0 +11,2 @@", "+x", "+y",
            "@@ -20 +22 @@", "-old", "+new",
            "@@ -40,3 +42,0 @@", "-gone", "-gone", "-gone",
            "diff --git a/old.ts b/old.ts", "--- a/old.ts", "+++ /dev/null", "@@ -1,2 +0,0 @@", "-a", "-b",
            "diff --git a/new.py b/new.py", "--- /dev/null", "+++ b/new.py", "@@ -0,0 +1,3 @@", "+a", "+b", "+c"
        ].join("\n");
        assert.deepEqual(parseUnifiedDiff(diff), [
            {path: "src/a.ts", ranges: [{start: 7, end: 15}, {start: 18, end: 25}]},
            {path: "new.py", ranges: [{start: 0, end: 6}]}
        ]);
        assert.deepEqual(parseUnifiedDiff(diff, 0), [
            {path: "src/a.ts", ranges: [{start: 10, end: 12}, {start: 21, end: 22}]},
            {path: "new.py", ranges: [{start: 0, end: 3}]}
        ]);
    });
});

describe("git diff ranges", () => {
    it("merges hunks whose context overlaps", () => {
        const diff = ["+++ b/a.ts", "@@ -1 +1 @@", "-a", "+b", "@@ -5 +5 @@", "-c", "+d"].join("\n");
        assert.deepEqual(parseUnifiedDiff(diff), [{path: "a.ts", ranges: [{start: 0, end: 8}]}]);
    });
});
