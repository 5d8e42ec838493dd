// The load-aware thread policy (engine/local/threadPolicy.ts) as a pure function of CPU-time samples: every core
// when nothing else computes while we do, one fewer per core another process keeps busy, the samples taken while we
// wait ignored. With the real tiny model and a real busy process: test/unit/threadGovernor.test.ts.
import assert from "node:assert/strict";
import {BusyInterval, CpuSample, intervalBetween, loadAware, othersCores, ThreadGovernor, threadsForLoad, ThreadTuner} from "../../language-server/engine/local/threadPolicy";

/** An interval of `ms` in which the other processes used `cores` CPUs on average. */
const iv = (ms: number, cores: number, at = 0): BusyInterval => ({at, ms, others: ms * cores});

describe("load-aware thread policy", () => {
    it("is on only for the CPU with gemmaCode.threads at 0", () => {
        assert.equal(loadAware({setting: 0, physicalCores: 2, fullyOffloaded: false}), true);
        assert.equal(loadAware({setting: 2, physicalCores: 2, fullyOffloaded: false}), false);
        assert.equal(loadAware({setting: 0, physicalCores: 2, fullyOffloaded: true}), false);
    });

    it("other processes' CPU time = the machine's busy time minus ours, per interval", () => {
        const a: CpuSample = {at: 1000, busy: 50_000, ours: 2_000};
        // 200 ms: the machine's CPUs were busy 330 ms in all, 200 of them ours (two threads at half speed).
        assert.deepEqual(intervalBetween(a, {at: 1200, busy: 50_330, ours: 2_200}), {at: 1200, ms: 200, others: 130});
        // Counters of different resolution (ticks vs microseconds) can make it negative: never below zero.
        assert.equal(intervalBetween(a, {at: 1100, busy: 50_090, ours: 2_100})!.others, 0);
        assert.equal(intervalBetween(a, a), undefined);
    });

    it("averages the most recent busy intervals, up to the look-back, newest first", () => {
        assert.equal(othersCores([]), undefined);
        assert.equal(othersCores([iv(100, 1)]), 1);
        // Older intervals beyond 200 ms of newer ones do not count: a spinner that just started is seen.
        assert.equal(othersCores([iv(100, 0), iv(100, 0), iv(100, 1), iv(100, 1)]), 1);
        assert.equal(othersCores([iv(100, 1), iv(100, 0), iv(100, 0)]), 0);
        // The oldest one counts for the part that fits: 100 ms at 1 and 100 of the 300 ms at 0.
        assert.equal(othersCores([iv(300, 0), iv(100, 1)]), 0.5);
    });

    it("every core when nothing else runs, one fewer per busy core, never below one", () => {
        assert.equal(threadsForLoad(2, 2, undefined), 2, "no measurement yet: llama.cpp's default");
        assert.equal(threadsForLoad(2, 2, 0), 2);
        assert.equal(threadsForLoad(2, 2, 0.3), 2, "an editor repainting now and then");
        // Our two threads and a spinner share two cores: the spinner gets ~2/3 of one.
        assert.equal(threadsForLoad(2, 2, 2 / 3), 1);
        assert.equal(threadsForLoad(2, 2, 1), 1, "our one thread beside a spinner");
        assert.equal(threadsForLoad(2, 2, 2), 1);
        assert.equal(threadsForLoad(8, 8, 3), 5);
        assert.equal(threadsForLoad(1, 1, 1), 1);
        // SMT: 4 physical cores, 8 logical CPUs; two busy logical CPUs are one core's worth.
        assert.equal(threadsForLoad(4, 8, 2), 3);
    });

    it("the governor sets maxThreads from what the others did while we computed, not while we waited", () => {
        let now: CpuSample = {at: 0, busy: 0, ours: 0};
        const target = {maxThreads: 2};
        const governor = new ThreadGovernor(target, 2, 2, () => now);
        /** A generation: the count it starts with (decided from what came before it). */
        const run = (ms: number, ours: number, others: number) => {
            const done = governor.busy();
            const used = target.maxThreads;
            now = {at: now.at + ms, busy: now.busy + (ours + others) * ms, ours: now.ours + ours * ms};
            done();
            return used;
        };
        const wait = (ms: number, others: number) => (now = {...now, at: now.at + ms, busy: now.busy + others * ms});
        try {
            assert.equal(run(200, 2, 0), 2, "alone on the machine");
            wait(1000, 2); // another engine computed on both cores while we waited: no competition
            assert.equal(run(200, 2, 0), 2);
            assert.equal(run(200, 1.33, 0.67), 2, "a spinner starts: this one began before it was seen");
            assert.equal(run(200, 1, 1), 1, "the next one gives its core up");
            assert.equal(run(50, 1, 0), 1, "the spinner is gone");
            assert.equal(run(150, 1, 0), 1, "50 of the 200 ms looked back over were free");
            assert.equal(run(100, 1, 0), 2, "then 200 ms free: both cores again");
        } finally {
            governor.dispose();
        }
    });

    it("overlapping generations are one busy stretch, measured when the last one ends", () => {
        let now: CpuSample = {at: 0, busy: 0, ours: 0};
        const target = {maxThreads: 2};
        const governor = new ThreadGovernor(target, 2, 2, () => now);
        try {
            const a = governor.busy();
            const b = governor.busy();
            now = {at: 300, busy: 300 * 2, ours: 300};
            a();
            assert.equal(target.maxThreads, 2, "not measured while one still runs");
            b();
            b();
            assert.equal(target.maxThreads, 1, "300 ms with another process on one core");
        } finally {
            governor.dispose();
        }
    });

    it("the tuner measures every core and one fewer, keeps the faster, and checks the slower one now and then", () => {
        const tuner = new ThreadTuner();
        const runs: number[] = [];
        // Two threads cost 7 ms a token, one 5 (the tiny model here): after one of each, one thread.
        for (let i = 0; i < 20; i++) {
            const t = tuner.choose(2);
            runs.push(t);
            tuner.report(t, t === 2 ? 7 : 5);
        }
        assert.deepEqual(runs.slice(0, 2), [2, 1], "measures each once, every core first");
        assert.equal(runs.slice(2).filter((t) => t === 1).length, 16, `then the faster, the other one in 8: ${runs.join(",")}`);
        assert.equal(tuner.choose(1), 1, "no choice with one free core");
        // The load changes and two threads become the faster: the re-checks move the mean over.
        const later: number[] = [];
        for (let i = 0; i < 40; i++) {
            const t = tuner.choose(2);
            later.push(t);
            tuner.report(t, t === 2 ? 3 : 5);
        }
        // 5 vs 3 ms: the slower is re-checked one generation in 8·round(5/3) = 16.
        assert.deepEqual(later.slice(-16).filter((t) => t === 2).length, 15, `two threads once they are faster: ${later.join(",")}`);
        tuner.report(2, NaN);
        tuner.report(2, 0);
        assert.equal(tuner.choose(2), 2, "nonsense measurements are ignored");
    });

    it("the tuner re-checks a much slower count less often: its re-checks cost at most ~1/8 of the time", () => {
        const tuner = new ThreadTuner();
        const runs: number[] = [];
        // Two threads 6x slower than one (the tiny model beside node-llama-cpp's per-graph thread pool, bench:engine).
        for (let i = 0; i < 200; i++) {
            const t = tuner.choose(2);
            runs.push(t);
            tuner.report(t, t === 2 ? 30 : 5);
        }
        const rechecks = runs.slice(2).filter((t) => t === 2).length;
        // One in 8·6 = 48: 4 in 198 (one in 8 would be 24).
        assert.equal(rechecks, 4, `re-checks of the slower count: ${runs.join(",")}`);
        const time = runs.reduce((sum, t) => sum + (t === 2 ? 30 : 5), 0);
        assert.ok(time / (runs.length * 5) < 1.15, `mean time ${(time / runs.length).toFixed(1)} vs 5 at the best count`);
    });

    it("the governor feeds the tuner only steady, unshared generations", () => {
        let now: CpuSample = {at: 0, busy: 0, ours: 0};
        const target = {maxThreads: 2};
        const governor = new ThreadGovernor(target, 2, 2, () => now);
        const step = () => (now = {at: now.at + 100, busy: now.busy + 200, ours: now.ours + 200});
        try {
            const seen: number[] = [];
            for (let i = 0; i < 4; i++) {
                const done = governor.busy();
                seen.push(target.maxThreads);
                step();
                done({msPerToken: target.maxThreads === 2 ? 9 : 4});
            }
            assert.deepEqual(seen, [2, 1, 1, 1]);
            const a = governor.busy();
            assert.equal(target.maxThreads, 1, "one thread decoded faster");
            const b = governor.busy();
            step();
            // Two at once: neither is a measurement of one thread (else 100 ms a token here would flip it).
            a({msPerToken: 100});
            b({msPerToken: 100});
            const c = governor.busy();
            assert.equal(target.maxThreads, 1);
            c();
        } finally {
            governor.dispose();
        }
    });
});
