// `--help` on a benchmark prints the options its header comment lists and exits at once, instead of starting a run
// that can take an hour (run-prompt-variants once spent a whole case set on a `--help`).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {repoRoot} from "../support/paths";

const benchOut = path.join(repoRoot, "out/bench");

describe("benchmarks' --help", () => {
    const scripts = fs.readdirSync(benchOut).filter((f) => /^(run-.*|engine|speculative)\.js$/.test(f));

    it("is there for every benchmark built", () => {
        assert.ok(scripts.length >= 10, `benchmarks in out/bench: ${scripts.join(", ")}`);
    });

    for (const flag of ["--help", "-h"]) {
        it(`${flag} prints the header of run-prompt-variants.ts and exits 0 without loading a model`, () => {
            const r = spawnSync(process.execPath, [path.join(benchOut, "run-prompt-variants.js"), flag],
                {encoding: "utf8", timeout: 30_000, env: {...process.env, GEMMA_CODE_CACHE: "/nonexistent"}});
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /^`node out\/bench\/run-prompt-variants\.js`: which prompt layout/);
            assert.match(r.stdout, /--per-file N \(default 6\)/);
            assert.doesNotMatch(r.stdout, /^\/\/|^import /m, "only the comment, without its slashes");
        });
    }

    it("every benchmark answers --help with its header comment", () => {
        for (const script of scripts) {
            const r = spawnSync(process.execPath, [path.join(benchOut, script), "--help"], {encoding: "utf8", timeout: 30_000});
            assert.equal(r.status, 0, `${script}: ${r.stderr}`);
            assert.ok(r.stdout.trim().split("\n").length >= 2, `${script} has a header: ${JSON.stringify(r.stdout)}`);
        }
    });
});
