// The load-aware thread policy end to end: with gemmaCode.threads at 0 on the CPU, the server computes with every
// physical core while the machine is otherwise idle, drops a thread while another process keeps a core busy, and
// takes it back when that process ends. The thread count is the one llama.cpp's last decode batch used
// (context.currentThreads, in the completion trace). The spinner is a real busy child process; the test waits for it
// to say it spins and for it to exit, and asks for completions until the count follows (bounded), no sleeps.
// The policy's arithmetic is in test/unit/threadPolicy.test.ts. Needs no other un-niced process computing meanwhile.
import assert from "node:assert/strict";
import {ChildProcess, spawn} from "node:child_process";
import {once} from "node:events";
import type {CompletionTrace} from "../../protocol/lsp";
import {physicalCores} from "../../language-server/engine/local/threadPolicy";
import {endOf, TestLspClient} from "../support/lspClient";

/** Requests allowed for the count to follow a change of load (each is a few tens of ms on the tiny model). */
const MAX_REQUESTS = 40;

describe("load-aware thread count (gemmaCode.threads = 0)", function () {
    this.timeout(5 * 60_000);
    let client: TestLspClient;
    let spinner: ChildProcess | undefined;
    let n = 0;

    before(async () => {
        ({client} = await TestLspClient.start({env: {...process.env, GEMMA_CODE_TRACE: "1"},
            settings: {threads: 0, completion: {candidates: 1, maxTokens: 32, promptLookup: "off"}}}));
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
    });
    after(async () => {
        spinner?.kill("SIGKILL");
        await client?.shutdown().catch(() => client.kill());
    });

    /** One completion at a new spot (never from the suggestion cache); the threads its last batch used. */
    async function threadsOfNextRequest(): Promise<number> {
        const uri = `file:///w/threads${n++}.js`;
        const text = `function f${n}(a, b) {\n    const total = a + b * ${n};\n    return `;
        await client.open(uri, text, "javascript");
        await client.complete(uri, endOf(text));
        const trace = (await client.connection.sendRequest<CompletionTrace[]>("gemma/completionTraces")).at(-1);
        assert.ok(trace?.threads, `the trace says how many threads: ${JSON.stringify(trace && {...trace, prompt: undefined})}`);
        return trace.threads;
    }

    /** Asks until the count is `want`; returns the counts seen on the way. */
    async function until(want: number): Promise<number[]> {
        const seen: number[] = [];
        while (seen.length < MAX_REQUESTS) {
            seen.push(await threadsOfNextRequest());
            if (seen.at(-1) === want) return seen;
        }
        assert.fail(`the thread count never became ${want} in ${MAX_REQUESTS} requests: ${seen.join(", ")}`);
    }

    it("uses every physical core while nothing else computes, one fewer beside a busy process, and all again after it", async () => {
        const cores = physicalCores();
        const idle = await until(cores);
        // A process that keeps one core busy; it says so once it runs.
        spinner = spawn(process.execPath, ["-e", "process.stdout.write('spinning\\n'); for (;;) {}"], {stdio: ["ignore", "pipe", "inherit"]});
        await once(spinner.stdout!, "data");
        // On one core there is nothing to give up: the count stays 1.
        const loaded = await until(Math.max(1, cores - 1));
        // It must stay down while the spinner runs (not a one-off reading).
        const stays = [await threadsOfNextRequest(), await threadsOfNextRequest(), await threadsOfNextRequest()];
        const exited = once(spinner, "exit");
        spinner.kill("SIGKILL");
        await exited;
        spinner = undefined;
        const after = await until(cores);
        console.log(`      ${cores} physical cores; threads per request: idle ${idle.join(",")} | spinner ${loaded.join(",")} then ${stays.join(",")} | after ${after.join(",")}`);
        assert.deepEqual(stays, stays.map(() => Math.max(1, cores - 1)), "the count stays down while the other process computes");
    });
});
