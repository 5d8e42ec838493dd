// The shared host's directory and locks (common/hostDir.ts) and its completion turns (host/fairTurns.ts).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {breakIfStale, ensureHostDir, readLock, tryLock} from "../../common/hostDir";
import {FairTurns} from "../../language-server/host/fairTurns";
import {longestUnload} from "../../language-server/host/sharedModel";

describe("shared host directory and locks", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-hostdir-"))));
    afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

    it("creates the directory 0700 and tightens one that others could enter", () => {
        const d = path.join(dir, "h");
        ensureHostDir(d);
        assert.equal(fs.statSync(d).mode & 0o777, 0o700);
        fs.chmodSync(d, 0o755);
        ensureHostDir(d);
        assert.equal(fs.statSync(d).mode & 0o777, 0o700);
    });

    it("refuses a directory that belongs to another user, and a symlink", () => {
        // Root can give a directory away; anyone else finds /tmp (root's) belonging to another user.
        let theirs = "/tmp";
        if (process.getuid!() === 0) {
            theirs = path.join(dir, "theirs");
            fs.mkdirSync(theirs, {mode: 0o700});
            fs.chownSync(theirs, 65534, 65534);
        }
        assert.throws(() => ensureHostDir(theirs), /belongs to another user/);
        fs.symlinkSync(dir, path.join(dir, "link"));
        assert.throws(() => ensureHostDir(path.join(dir, "link")), /not a directory/);
    });

    it("a lock is taken once; a dead holder's lock is broken, a live holder's is not", () => {
        const lock = path.join(dir, "x.lock");
        assert.ok(tryLock(lock));
        assert.ok(!tryLock(lock), "taken");
        assert.equal(readLock(lock)?.pid, process.pid);
        assert.ok(!breakIfStale(lock), "our own (live) lock stays");
        const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
        fs.writeFileSync(lock, JSON.stringify({pid: dead, at: Date.now()}));
        assert.ok(breakIfStale(lock), "a dead holder's lock goes");
        assert.ok(tryLock(lock));
    });
});

describe("completion turns between windows", () => {
    // A fake clock: a turn's use of the model is the time it held it.
    let clock = 0;
    const now = () => clock;
    const never = () => new AbortController().signal;

    it("one at a time, in arrival order among equals, and a cancelled waiter never runs", async () => {
        const turns = new FairTurns({now});
        const order: string[] = [];
        const take = (window: number, signal = never()) => turns.take(window, signal).then((turn) => {
            order.push(turn ? `window ${window}` : `window ${window} cancelled`);
            return turn;
        });
        const first = (await take(1))!;
        const cancelled = new AbortController();
        const second = take(2);
        const third = take(3, cancelled.signal);
        const again = take(1);
        cancelled.abort();
        assert.equal(await third, undefined);
        assert.deepEqual(order, ["window 1", "window 3 cancelled"], "nobody runs while window 1 has the turn");
        first.release();
        (await second)!.release();
        (await again)!.release();
        assert.deepEqual(order, ["window 1", "window 3 cancelled", "window 2", "window 1"]);
    });

    it("a long generation pauses at its next token for a window that has used the model less, and resumes after it", async () => {
        const turns = new FairTurns({now});
        const order: string[] = [];
        const a = (await turns.take(1, never(), {}))!;
        clock += 2000; // A has generated for 2 s
        assert.equal(await a.checkpoint(), true, "nobody waits: A goes on");
        const bTurn = turns.take(2, never(), {}).then((t) => (order.push("B runs"), t));
        const aGoesOn = a.checkpoint().then((ok) => (order.push("A resumes"), ok));
        const b = (await bTurn)!;
        assert.deepEqual(order, ["B runs"], "A paused at a token boundary; B has the model");
        clock += 300;
        // A waits, but it has used the model far more lately: B is not paused for it.
        assert.equal(await b.checkpoint(), true);
        assert.deepEqual(order, ["B runs"]);
        b.release();
        assert.equal(await aGoesOn, true);
        assert.deepEqual(order, ["B runs", "A resumes"]);
        assert.equal(turns.preemptions, 1);
        a.release();
    });

    it("two windows that both generate without a break alternate in slices", async () => {
        const turns = new FairTurns({now, sliceMs: 50, graceMs: 200});
        const runs: number[] = [];
        const generate = async (window: number, tokens: number) => {
            const turn = (await turns.take(window, never(), {}))!;
            for (let i = 0; i < tokens; i++) {
                runs.push(window);
                clock += 10; // one token
                await turn.checkpoint();
            }
            turn.release();
        };
        await Promise.all([generate(1, 300), generate(2, 300)]);
        const switches = runs.filter((w, i) => i > 0 && w !== runs[i - 1]).length;
        const longest = Math.max(...runs.map((_, i) => runs.slice(i).findIndex((w) => w !== runs[i])).filter((n) => n > 0));
        assert.ok(switches >= 10, `they alternate (${switches} switches)`);
        assert.ok(Math.abs(runs.filter((w) => w === 1).length - 300) === 0);
        // At most the grace, then a slice beyond the other window's use (10 ms a token).
        assert.ok(longest <= 60, `no turn holds the model for more than its grace and a few slices (${longest} tokens in a row)`);
    });

    it("an isolated request, once running, is not paused for a busier window within its first second", async () => {
        for (const graceMs of [1000, 0]) {
            const turns = new FairTurns({now, graceMs});
            const order: string[] = [];
            const a = (await turns.take(1, never(), {}))!;
            clock += 1500; // A generated 1.5 s
            const b = turns.take(2, never(), {});
            const aResumed = a.checkpoint().then(() => order.push("A resumes"));
            const bTurn = (await b)!;
            clock += 1400; // B's suggestion takes 1.4 s: longer than A's use, decayed, is now
            const bGoesOn = bTurn.checkpoint().then(() => order.push("B goes on"));
            if (graceMs) {
                await bGoesOn;
                assert.deepEqual(order, ["B goes on"], "B finishes its request first");
                bTurn.release();
                await aResumed;
            } else {
                await aResumed;
                assert.deepEqual(order, ["A resumes"], "without the grace, B would be paused for A mid-request");
                a.release();
                await bGoesOn;
                bTurn.release();
            }
        }
    });

    it("a paused turn keeps its sequence: a window sharing it waits until the paused turn has ended", async () => {
        const turns = new FairTurns({now});
        const shared = {};
        const order: string[] = [];
        const a = (await turns.take(1, never(), shared))!;
        clock += 2000;
        const c = turns.take(3, never(), shared).then((t) => (order.push("C (same sequence) runs"), t));
        const b = turns.take(2, never(), {}).then((t) => (order.push("B runs"), t));
        const aGoesOn = a.checkpoint().then(() => order.push("A resumes"));
        (await b)!.release();
        await aGoesOn;
        assert.deepEqual(order, ["B runs", "A resumes"], "C, on A's sequence, never runs inside A's pause");
        a.release();
        (await c)!.release();
        assert.deepEqual(order, ["B runs", "A resumes", "C (same sequence) runs"]);
    });

    it("a paused turn whose request is superseded ends there; first-come-first-served never pauses", async () => {
        const turns = new FairTurns({now});
        const superseded = new AbortController();
        const a = (await turns.take(1, superseded.signal, {}))!;
        clock += 2000;
        const b = turns.take(2, never(), {});
        const paused = a.checkpoint();
        superseded.abort();
        assert.equal(await paused, false, "the generation must stop");
        (await b)!.release();

        const fifo = new FairTurns({now, preempt: false});
        const x = (await fifo.take(1, never(), {}))!;
        clock += 2000;
        const y = fifo.take(2, never(), {});
        assert.equal(await x.checkpoint(), true);
        assert.equal(fifo.preemptions, 0);
        x.release();
        (await y)!.release();
    });
});

describe("the host's idle unload from its windows' settings", () => {
    it("is the longest unloadAfterMinutes; never (0) wins", () => {
        assert.equal(longestUnload([5, 30, 1]), 30);
        assert.equal(longestUnload([5, 0, 1]), 0);
        assert.equal(longestUnload([]), 0);
    });
});
