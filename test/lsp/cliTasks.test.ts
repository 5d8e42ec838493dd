// `gemma-code edit` and `gemma-code commit-message`: the real CLI, server and tiny model, a real git repository.
import assert from "node:assert/strict";
import {execFileSync, spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseTaskArgs} from "../../language-server/cli/tasks";
import {repoRoot, tinyModelPath} from "../support/paths";

const CLI = path.join(repoRoot, "dist/cli.js");
const TEXT = "function divide(a, b) {\n  return a / b;\n}\n\nconsole.log(divide(1, 2));\n";

function runCli(args: string[], cwd: string) {
    const r = spawnSync(process.execPath, [CLI, ...args], {cwd, encoding: "utf8"});
    return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

describe("gemma-code edit / commit-message (CLI)", function () {
    this.timeout(600_000); // a loaded 2-core machine: each run loads the model and generates
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-cli-tasks-"));
    after(() => fs.rmSync(dir, {recursive: true, force: true}));

    it("parses its arguments and rejects bad ones", () => {
        assert.deepEqual(parseTaskArgs(["edit", "a.js", "--lines", "2-3", "--instruction", "x", "--write"]),
            {task: "edit", file: "a.js", lines: {first: 2, last: 3}, instruction: "x", write: true, stream: false});
        assert.match(parseTaskArgs(["edit", "a.js", "--lines", "3-2", "--instruction", "x"]) as string, /--lines needs/);
        assert.match(parseTaskArgs(["edit", "a.js"]) as string, /edit needs FILE/);
        assert.match(parseTaskArgs(["commit-message", "extra"]) as string, /unexpected argument extra/);
    });

    it("edit --write replaces only the given lines in the file", () => {
        const file = path.join(dir, "divide.js");
        fs.writeFileSync(file, TEXT);
        const r = runCli(["edit", "divide.js", "--lines", "2-2", "--instruction", "Throw when b is 0", "--write", "--max-tokens", "48",
            "--model", tinyModelPath], dir);
        assert.equal(r.code, 0, r.stderr);
        const written = fs.readFileSync(file, "utf8");
        assert.ok(written.startsWith("function divide(a, b) {\n"), "lines before the range kept");
        assert.ok(written.endsWith("}\n\nconsole.log(divide(1, 2));\n"), "lines after the range kept");
        assert.notEqual(written, TEXT, "line 2 was rewritten");
        assert.match(r.stderr, /wrote divide\.js/);
    });

    it("commit-message prints a message for the staged changes", () => {
        const git = (...args: string[]) => execFileSync("git", args, {cwd: dir, encoding: "utf8"});
        git("init", "-q", "-b", "main");
        git("config", "user.email", "t@example.com");
        git("config", "user.name", "T");
        git("add", "divide.js");
        const r = runCli(["commit-message", "--max-tokens", "32", "--model", tinyModelPath], dir);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.trim().length > 0, "a message on stdout");
    });
});
