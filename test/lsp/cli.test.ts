// The headless review CLI: real server, real inference on the tiny model, real git for --staged.
import assert from "node:assert/strict";
import {execFileSync, spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {parseArgs} from "../../language-server/cli/main";
import {t} from "../../language-server/l10n";
import {LlamaServer} from "../support/llamaServer";
import {repoRoot, tinyModelPath} from "../support/paths";

const CLI = path.join(repoRoot, "dist/cli.js");
const LINE = /^[^:]+:\d+:\d+: (error|warning|information|hint): \S.*$/;

function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(process.execPath, [CLI, ...args], {cwd, encoding: "utf8", env: {...process.env, ...env}});
    return {code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim()};
}

// This loop over an array is the tiny model's "error" case: its review gives an error-severity comment.
const ERROR_CASE = "const a6 = [1, 2, 3];\nfor (let i = 0; i <= a6.length; i++) {\n  console.log(a6[i] * 6);\n}\n";
const PLAIN_CASE = "function divide(a, b) {\n  return a / b;\n}\n\nfunction main() {\n  const x = divide(1, 0);\n  console.log(x);\n}\n";

describe("gemma-code review (CLI)", function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-cli-"));
    fs.writeFileSync(path.join(dir, "loop.js"), ERROR_CASE);
    fs.writeFileSync(path.join(dir, "divide.js"), PLAIN_CASE);

    it("parses its arguments and rejects bad ones", () => {
        assert.deepEqual(parseArgs(["review", "a.ts", "--model", "m.gguf"]), {files: ["a.ts"], model: "m.gguf"});
        assert.deepEqual(parseArgs(["review", "--staged"]), {files: [], diff: "staged"});
        assert.deepEqual(parseArgs(["review", "a.ts", "--endpoint", "http://gpu:8080", "--remote-model", "g"]),
            {files: ["a.ts"], endpoint: "http://gpu:8080", remoteModel: "g"});
        assert.match(parseArgs(["review"]) as string, /nothing to review/);
        assert.match(parseArgs(["review", "--bogus"]) as string, /unknown option --bogus/);
        assert.match(parseArgs(["lint"]) as string, /^usage/);
        assert.deepEqual(parseArgs(["review", "a.ts", "--language", "hi"]), {files: ["a.ts"], language: "hi"});
        assert.match(parseArgs(["review", "a.ts", "--language", "not a tag"]) as string, /--language needs a language tag/);
    });

    it("prints file:line:col: severity: message and exits 1 when a comment is an error", () => {
        const r = runCli(["review", "loop.js", "--model", tinyModelPath], dir);
        const lines = r.stdout.split("\n").filter(Boolean);
        assert.ok(lines.length > 0, r.stderr);
        for (const l of lines) assert.match(l, LINE);
        assert.ok(lines.some((l) => l.startsWith("loop.js:") && / error: /.test(l)));
        assert.equal(r.code, 1);
    });

    it("reviews through an inference server with --endpoint (a llama-server serving the same model): the same comments", async function () {
        this.timeout(60 * 60_000); // the first run on a machine builds llama-server
        const apiKey = "sk-cli-test";
        const server = await LlamaServer.start({apiKey});
        try {
            // divide.js: the tiny model's review of it is valid UTF-8 (see RemoteSession.stream for what llama-server does
            // with output that is not), and both engines then give the very same comments.
            const local = runCli(["review", "divide.js", "--model", tinyModelPath], dir);
            const remote = runCli(["review", "divide.js", "--endpoint", server.url], dir, {GEMMA_CODE_API_KEY: apiKey, GEMMA_CODE_MODEL: ""});
            assert.equal(remote.code, local.code, remote.stderr);
            // The comment's last character may differ: the review is cut at maxTokens inside a multi-byte character,
            // which our engines drop and llama-server completes with whatever the next byte token was.
            const comparable = (out: string) => out.replace(/[^\x00-\x7f]+$/gm, "");
            assert.ok(remote.stdout.length > 0 && comparable(remote.stdout) === comparable(local.stdout), `same comments:\n${local.stdout}\n---\n${remote.stdout}`);
            const noKey = runCli(["review", "divide.js", "--endpoint", server.url], dir, {GEMMA_CODE_API_KEY: ""});
            assert.equal(noKey.code, 2);
            assert.match(noKey.stderr, /rejected the API key \(HTTP 401/);
        } finally {
            await server.stop();
        }
    });

    it("exits 0 when no comment is an error", () => {
        const r = runCli(["review", "divide.js"], dir, {GEMMA_CODE_MODEL: tinyModelPath});
        for (const l of r.stdout.split("\n").filter(Boolean)) assert.match(l, LINE);
        assert.ok(!/ error: /.test(r.stdout));
        assert.equal(r.code, 0, r.stderr);
    });

    it("exits 2 with a clear message when it cannot run", () => {
        const noArgs = runCli([], dir);
        assert.equal(noArgs.code, 2);
        assert.match(noArgs.stderr, /usage: gemma-code review/);
        const missing = runCli(["review", "nope.js", "--model", tinyModelPath], dir);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /nope\.js: no such file/);
        const noModel = runCli(["review", "divide.js"], dir, {GEMMA_CODE_MODEL: ""});
        assert.equal(noModel.code, 2);
        assert.match(noModel.stderr, /no model/);
        fs.writeFileSync(path.join(dir, "fake.gguf"), "not a model at all ".repeat(100));
        const badModel = runCli(["review", "divide.js", "--model", "fake.gguf"], dir);
        assert.equal(badModel.code, 2);
        assert.match(badModel.stderr, /not a GGUF model file/);
    });

    it("--language (or $GEMMA_CODE_LANGUAGE) is also the language of the server's messages and the CLI's own", () => {
        const fake = path.join(dir, "fake.gguf");
        fs.writeFileSync(fake, "not a model at all ".repeat(100));
        const key = "{0} is not a GGUF model file (it does not start with \"GGUF\"): pick a .gguf file, e.g. gemma-2-9b-it-Q4_K_M.gguf.";
        const bundle = (locale: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "l10n/server", `bundle.l10n.${locale}.json`), "utf8"));
        const bengali = runCli(["review", "divide.js", "--model", "fake.gguf", "--language", "bn"], dir);
        assert.equal(bengali.code, 2);
        assert.equal(bengali.stderr, `gemma-code: ${t(bundle("bn")[key], fake)}`);
        const spanish = runCli(["review", "divide.js", "--model", "fake.gguf"], dir, {GEMMA_CODE_LANGUAGE: "es"});
        assert.equal(spanish.stderr, `gemma-code: ${t(bundle("es")[key], fake)}`);
        assert.equal(runCli(["review", "divide.js", "--model", "fake.gguf"], dir, {GEMMA_CODE_LANGUAGE: ""}).stderr, `gemma-code: ${t(key, fake)}`);
        // The CLI's own messages too.
        const missing = runCli(["review", "nope.js", "--model", "fake.gguf", "--language", "hi"], dir);
        assert.equal(missing.stderr, t(bundle("hi")["gemma-code: {0}: no such file"], "nope.js"));
        const noModel = runCli(["edit", "divide.js", "--lines", "1-2", "--instruction", "x"], dir, {GEMMA_CODE_MODEL: "", GEMMA_CODE_LANGUAGE: "ur"});
        assert.equal(noModel.code, 2);
        assert.match(noModel.stderr, /\p{Script=Arabic}/u);
        assert.ok(noModel.stderr.includes("--model FILE") && noModel.stderr.includes("GEMMA_CODE_ENDPOINT"), noModel.stderr);
    });

    it("--staged reviews only the staged changes of the repository", () => {
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-cli-git-"));
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {cwd: repo});
        git("init", "-q");
        fs.writeFileSync(path.join(repo, "committed.js"), PLAIN_CASE);
        git("add", ".");
        git("commit", "-qm", "base");
        fs.writeFileSync(path.join(repo, "staged.js"), ERROR_CASE);
        fs.writeFileSync(path.join(repo, "unstaged.js"), ERROR_CASE);
        git("add", "staged.js");
        const r = runCli(["review", "--staged", "--model", tinyModelPath], repo);
        const files = new Set(r.stdout.split("\n").filter(Boolean).map((l) => l.split(":")[0]));
        assert.deepEqual([...files], ["staged.js"], r.stdout + r.stderr);
        assert.equal(r.code, 1);
    });

    it("--staged reviews the staged text, not the working tree's, with the staged line numbers", () => {
        const repo = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-cli-staged-"));
        const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {cwd: repo});
        git("init", "-q");
        fs.writeFileSync(path.join(repo, "committed.js"), PLAIN_CASE);
        git("add", ".");
        git("commit", "-qm", "base");
        // Both files are staged with the error case; then the working tree blanks one and deletes the other.
        fs.writeFileSync(path.join(repo, "blanked.js"), ERROR_CASE);
        fs.writeFileSync(path.join(repo, "deleted.js"), ERROR_CASE);
        git("add", "blanked.js", "deleted.js");
        fs.writeFileSync(path.join(repo, "blanked.js"), "\n".repeat(30));
        fs.rmSync(path.join(repo, "deleted.js"));
        const r = runCli(["review", "--staged", "--model", tinyModelPath], repo);
        const lines = r.stdout.split("\n").filter(Boolean);
        assert.deepEqual([...new Set(lines.map((l) => l.split(":")[0]))].sort(), ["blanked.js", "deleted.js"], r.stdout + r.stderr);
        const stagedLineCount = ERROR_CASE.split("\n").length - 1;
        for (const l of lines) assert.ok(Number(l.split(":")[1]) <= stagedLineCount, `a staged line number: ${l}`);
        assert.equal(r.code, 1, "the staged error case has an error comment");
    });
});
