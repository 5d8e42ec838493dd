// The shared host's directory and locks (common/hostDir.ts) and its completion turns (host/fairTurns.ts).
import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {breakIfStale, ensureHostDir, readLock, tryLock} from "../../common/hostDir";
import {FairTurns} from "../../language-server/host/fairTurns";

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
    it("one at a time, in arrival order, and a cancelled waiter never runs", async () => {
        const turns = new FairTurns();
        const order: string[] = [];
        const take = (window: number, signal = new AbortController().signal) => turns.take(window, signal).then((release) => {
            order.push(release ? `window ${window}` : `window ${window} cancelled`);
            return release;
        });
        const first = (await take(1))!;
        const cancelled = new AbortController();
        const second = take(2);
        const third = take(3, cancelled.signal);
        const again = take(1);
        cancelled.abort();
        assert.equal(await third, undefined);
        assert.deepEqual(order, ["window 1", "window 3 cancelled"], "nobody runs while window 1 has the turn");
        first();
        (await second)!();
        (await again)!();
        assert.deepEqual(order, ["window 1", "window 3 cancelled", "window 2", "window 1"]);
    });
});
