// The load-aware thread count reaches llama.cpp: a LocalSession over the real tiny model, its context made as the
// model host makes it (threads {ideal: 2, min: 1}) and a ThreadGovernor fed CPU samples in which "other processes"
// use what the test says, on top of this process's real CPU time. node-llama-cpp asks its thread splitter before
// every decode batch, so the threads of the last batch (context.currentThreads, what the completion trace reports)
// must follow what the other processes did during the previous generation. test/lsp/threadPolicy.test.ts does the
// same end to end with a real busy process.
import assert from "node:assert/strict";
import type {Llama, LlamaContext, LlamaModel} from "node-llama-cpp";
import type {CompletionRequest} from "../../language-server/engine/engine";
import {LocalSession} from "../../language-server/engine/local/localEngine";
import type {LoadedModel} from "../../language-server/engine/local/modelHost";
import {loadNodeLlamaCpp} from "../../language-server/engine/local/nodeLlamaCpp";
import {CpuSample, ThreadGovernor} from "../../language-server/engine/local/threadPolicy";
import {tinyModelPath} from "../support/paths";

describe("load-aware threads on the real tiny model", function () {
    this.timeout(180_000);
    let llama: Llama;
    let model: LlamaModel;
    let context: LlamaContext;
    let governor: ThreadGovernor;
    /** Cores the pretended other processes keep busy from now on. */
    let others = 0;
    let last: CpuSample | undefined;

    /** This process's real CPU time; the machine's busy time = ours + what the others used since the last sample. */
    function sample(): CpuSample {
        const u = process.cpuUsage();
        const now = {at: performance.now(), ours: (u.user + u.system) / 1000, busy: 0};
        now.busy = last ? last.busy + (now.ours - last.ours) + others * (now.at - last.at) : now.ours;
        return (last = now);
    }

    before(async () => {
        const nlc = await loadNodeLlamaCpp();
        llama = await nlc.getLlama({gpu: false, build: "never", maxThreads: 2, logLevel: "error" as never});
        model = await llama.loadModel({modelPath: tinyModelPath});
        context = await model.createContext({contextSize: 2048, sequences: 2, threads: {ideal: 2, min: 1}});
        governor = new ThreadGovernor(llama, 2, 2, sample);
    });
    after(async () => {
        governor?.dispose();
        await context?.dispose();
        await model?.dispose();
    });

    it("computes with both cores while the others are idle, with one after they kept a core busy, with both once they stop", async () => {
        const loaded = {llama, model, context, completionSequence: context.getSequence(), taskSequence: context.getSequence(),
            modelName: "tiny", threads: governor} as unknown as LoadedModel;
        const session = new LocalSession(loaded, () => undefined);
        let n = 0;
        const complete = async () => {
            const text = `function f${n++}(a, b) {\n    return a + b * ${n};\n}\n`.repeat(2);
            const r = await session.complete({prompt: {parts: [{text, special: false}], stops: []}, singleLine: false,
                maxTokens: 8, signal: new AbortController().signal} as unknown as CompletionRequest);
            assert.ok(r.generatedTokens > 0);
            return r.threads;
        };
        // The count is decided from the last 200 ms of busy time: a few short requests after a change of load, it follows.
        const until = async (want: number) => {
            const seen: (number | undefined)[] = [];
            while (seen.length < 20 && seen.at(-1) !== want) seen.push(await complete());
            assert.equal(seen.at(-1), want, `threads per request: ${seen.join(", ")}`);
            return seen;
        };
        const idle = await until(2);
        others = 1;
        const loadedSeen = await until(1);
        const stays = [await complete(), await complete(), await complete()];
        others = 0;
        const after = await until(2);
        console.log(`      threads per request: idle ${idle.join(",")} | a busy core ${loadedSeen.join(",")} then ${stays.join(",")} | after ${after.join(",")}`);
        assert.deepEqual(idle, [2], "nothing else running: both cores from the first request");
        assert.deepEqual(stays, [1, 1, 1], "down while the others keep a core busy");
        assert.equal(llama.maxThreads, 2);
    });
});
