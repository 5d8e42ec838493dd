import assert from "node:assert/strict";
import {rebaseRange} from "../../common/rebaseRange";
import {cleanCommitMessage, commitPrompt, usesConventionalCommits} from "../../language-server/commitMessage/commitMessage";
import {FencedCode} from "../../language-server/edit/fencedCode";

describe("rebaseRange", () => {
    const before = "aaa\nbbb\nccc\n";
    const range = {start: 4, end: 8}; // "bbb\n"
    it("keeps the range over a change after it, shifts it over one before it", () => {
        assert.deepEqual(rebaseRange(before, range, "aaa\nbbb\nccc\nddd\n"), range);
        assert.deepEqual(rebaseRange(before, range, "zz\naaa\nbbb\nccc\n"), {start: 7, end: 11});
        assert.deepEqual(rebaseRange(before, range, "a\nbbb\nccc\n"), {start: 2, end: 6});
    });
    it("refuses a change inside the range or around it", () => {
        assert.equal(rebaseRange(before, range, "aaa\nbxb\nccc\n"), null);
        assert.equal(rebaseRange(before, range, "aaa\nccc\n"), null);
        // Edits on both sides make one changed region that covers the range: refused.
        assert.equal(rebaseRange(before, range, "Xaa\nbbb\ncXc\n"), null);
    });
});

describe("FencedCode", () => {
    it("streams a fence's content, holding back what may be the closing fence, and ignores what follows", () => {
        const f = new FencedCode();
        const seen = ["``", "```js\nconst", "```js\nconst x = 1;\n`", "```js\nconst x = 1;\n```\nThis sets x."].map((r) => f.extract(r));
        assert.deepEqual(seen, ["", "const", "const x = 1;\n", "const x = 1;\n"]);
        assert.equal(f.done, true);
    });
    it("takes a reply without a fence whole", () => {
        const f = new FencedCode();
        assert.equal(f.extract("return a"), "return a");
        assert.equal(f.extract("return a /\n`", false), "return a /\n");
        assert.equal(f.extract("return a /\n`", true), "return a /\n`");
    });
});

describe("commit messages", () => {
    it("recognises a Conventional Commits history", () => {
        assert.equal(usesConventionalCommits(["feat: a", "fix(x): b", "chore!: c", "Update README"]), true);
        assert.equal(usesConventionalCommits(["Add a", "Fix b", "feat: c", "Update d"]), false);
        assert.equal(usesConventionalCommits(["feat: a", "fix: b"]), false, "two subjects are no evidence");
        assert.match(commitPrompt("diff", ["feat: a"], true), /Conventional Commits/);
        assert.doesNotMatch(commitPrompt("diff", ["Add a"], false), /Conventional Commits/);
    });
    it("cleans what models put around the message", () => {
        assert.equal(cleanCommitMessage("```\nfeat: add twice\n\nBecause.  \n```"), "feat: add twice\n\nBecause.");
        assert.equal(cleanCommitMessage("Commit message: \"fix: x\""), "fix: x");
    });
});
