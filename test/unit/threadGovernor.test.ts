// The load-aware thread count reaches llama.cpp, following a real busy process: a LocalSession over the real tiny
// model, its context made as the model host makes it (threads {ideal: 2, min: 1}), and a ThreadGovernor whose CPU
// samples count this process and one other: a spinner child process, whose demand is one core's worth for as long as
// it spins, by construction, so it is counted as the wall-clock time since it said it spins (the CPU time it ran or
// waited for, from /proc/PID/schedstat, moves only at scheduler ticks: an interval of a few ms of our compute could
// see none of it, and the governor then saw a free core while it spun — a request at two threads, CI 2026-12-02). The rest
// of the machine is left out of the samples, so what other jobs on a shared machine do cannot change the outcome; the
// server itself counts every process (threadPolicy.ts, readCpuSample). node-llama-cpp asks its thread splitter
// before every decode batch, so the threads of the last batch (context.currentThreads, what the completion trace
// reports) must follow the spinner: both cores before it, one while it runs, both after it exits. The test waits for
// the spinner to say it spins and for it to exit, and asks for completions until the count follows (bounded).
// The load cap decides from the last LOOKBACK_MS of busy time, so a phase counts as reached only once that much busy
// time has passed in it: before that, one thread can also come from the tuner, which tries one fewer after its first
// sample at every core and then re-checks the slower count one generation in 8 — a request at two threads "while
// the spinner ran" (CI 2026-12-02) was such a re-check, with the busy time still mostly from before the spinner.
import assert from "node:assert/strict";
import {ChildProcess, spawn} from "node:child_process";
import {once} from "node:events";
import type {Llama, LlamaContext, LlamaModel} from "node-llama-cpp";
import type {CompletionRequest} from "../../language-server/engine/engine";
import {LocalSession} from "../../language-server/engine/local/localEngine";
import type {LoadedModel} from "../../language-server/engine/local/modelHost";
import {loadNodeLlamaCpp} from "../../language-server/engine/local/nodeLlamaCpp";
import {CpuSample, LOOKBACK_MS, ThreadGovernor} from "../../language-server/engine/local/threadPolicy";
import {tinyModelPath} from "../support/paths";

describe("load-aware threads on the real tiny model, beside a real busy process", function () {
    this.timeout(180_000);
    let llama: Llama;
    let model: LlamaModel;
    let context: LlamaContext;
    let governor: ThreadGovernor;
    let spinner: ChildProcess | undefined;
    /** When the spinner said it spins, and when it exited (performance.now()). */
    let spinningSince: number | undefined;
    let spinnerExitedAt: number | undefined;

    function sample(): CpuSample {
        const u = process.cpuUsage();
        const ours = (u.user + u.system) / 1000;
        const at = performance.now();
        // The spinner's demand so far, ms: one core for as long as it spun.
        const spun = spinningSince === undefined ? 0 : (spinnerExitedAt ?? at) - spinningSince;
        return {at, ours, busy: ours + spun};
    }

    before(async () => {
        const nlc = await loadNodeLlamaCpp();
        llama = await nlc.getLlama({gpu: false, build: "never", maxThreads: 2, logLevel: "error" as never});
        model = await llama.loadModel({modelPath: tinyModelPath});
        context = await model.createContext({contextSize: 2048, sequences: 2, threads: {ideal: 2, min: 1}});
        governor = new ThreadGovernor(llama, 2, 2, sample);
    });
    after(async () => {
        spinner?.kill("SIGKILL");
        governor?.dispose();
        await context?.dispose();
        await model?.dispose();
    });

    it("computes with both cores before the spinner, with one while it spins, with both after it exits", async () => {
        // Busy time as the governor counts it (from busy() to its end), summed per phase.
        let busyMs = 0;
        const counted = {
            get threads() { return governor.threads; },
            busy() {
                const since = performance.now();
                const done = governor.busy();
                let ended = false; // LocalSession ends a stretch twice (with what it measured, then in finally)
                return (measured?: {msPerToken: number}) => {
                    done(measured);
                    if (!ended) busyMs += performance.now() - since;
                    ended = true;
                };
            }
        };
        const loaded = {llama, model, context, completionSequence: context.getSequence(), taskSequence: context.getSequence(),
            modelName: "tiny", threads: counted} as unknown as LoadedModel;
        const session = new LocalSession(loaded, () => undefined);
        let n = 0;
        const complete = async () => {
            const text = `function f${n++}(a, b) {\n    return a + b * ${n};\n}\n`.repeat(2);
            const r = await session.complete({prompt: {parts: [{text, special: false}], stops: []}, singleLine: false,
                maxTokens: 8, signal: new AbortController().signal} as unknown as CompletionRequest);
            assert.ok(r.generatedTokens > 0);
            return r.threads;
        };
        // The cap is decided from the last LOOKBACK_MS of busy time: once that much has passed since the load changed
        // (and the tuner, at the lower cap, has nothing to choose), the count follows. The margin covers the few µs
        // between our clock and the governor's samples.
        const until = async (want: number, minBusyMs: number) => {
            const seen: (number | undefined)[] = [];
            busyMs = 0;
            while (seen.length < 150 && (seen.at(-1) !== want || busyMs < minBusyMs)) seen.push(await complete());
            assert.equal(seen.at(-1), want, `threads per request: ${seen.join(", ")} (${busyMs.toFixed(0)} ms busy)`);
            return seen;
        };
        const idle = await until(2, 0);
        spinner = spawn(process.execPath, ["-e", "process.stdout.write('spinning\\n'); for (;;) {}"], {stdio: ["ignore", "pipe", "inherit"]});
        await once(spinner.stdout!, "data");
        spinningSince = performance.now();
        const loadedSeen = await until(1, LOOKBACK_MS + 20);
        // More generations than the tuner's re-check period (8): with a core taken, two threads are not even tried.
        const stays: (number | undefined)[] = [];
        for (let i = 0; i < 9; i++) stays.push(await complete());
        const exited = once(spinner, "exit");
        spinner.kill("SIGKILL");
        await exited;
        spinnerExitedAt = performance.now();
        // Back at two: the cap frees the second core after LOOKBACK_MS of idle busy time, and the tuner, which measured
        // one thread faster on this model, tries two at its next re-check (one in up to 64 generations, threadPolicy.ts).
        const after = await until(2, 0);
        console.log(`      threads per request: idle ${idle.join(",")} | a busy core ${loadedSeen.join(",")} then ${stays.join(",")} | after ${after.join(",")}`);
        assert.deepEqual(idle, [2], "nothing else running: both cores from the first request");
        assert.deepEqual(stays, stays.map(() => 1), "down while the spinner runs");
        assert.equal(llama.maxThreads, 2);
    });
});
