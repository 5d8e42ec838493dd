// Prefill abort: generate() feeds a long prompt in batch-sized pieces and checks the abort signal between them,
// because node-llama-cpp cannot stop one long evaluation (notes: 7 s to settle for a 3,000-token prompt fed at
// once). Against the real tiny model: the sequence is watched (its prefill calls are recorded) and the abort
// fires while the first prefill call runs. Feeding the prompt in one call would evaluate all of it after the abort.
import assert from "node:assert/strict";
import type {Llama, LlamaContextSequence, LlamaModel} from "node-llama-cpp";
import {generate, prefillChunk} from "../../language-server/engine/local/generator";
import {loadNodeLlamaCpp} from "../../language-server/engine/local/nodeLlamaCpp";
import {tinyModelPath} from "../support/paths";

describe("prefill abort on the real tiny model", function () {
    this.timeout(60_000);
    let llama: Llama;
    let model: LlamaModel;

    before(async () => {
        const nlc = await loadNodeLlamaCpp();
        llama = await nlc.getLlama({gpu: false, build: "never", maxThreads: 1, logLevel: "error" as never});
        model = await llama.loadModel({modelPath: tinyModelPath});
    });
    after(async () => {
        await model?.dispose();
    });

    it("an abort during the prefill stops it after the piece in progress: no more prompt evaluated, nothing generated", async () => {
        const context = await model.createContext({contextSize: 4096});
        try {
            const sequence = context.getSequence();
            const prompt = model.tokenize("const value = compute(alpha, beta, gamma); // an ordinary line\n".repeat(200)).slice(0, 3000);
            assert.ok(prompt.length >= 2000, `a long prompt: ${prompt.length} tokens`);
            const abort = new AbortController();
            const calls: {tokens: number; afterAbort: boolean}[] = [];
            // The real sequence, except that each prefill call is recorded and the first one fires the abort.
            const watched = new Proxy(sequence, {
                get(target, prop) {
                    if (prop === "evaluateWithoutGeneratingNewTokens") {
                        return async (tokens: Parameters<LlamaContextSequence["evaluateWithoutGeneratingNewTokens"]>[0]) => {
                            calls.push({tokens: tokens.length, afterAbort: abort.signal.aborted});
                            const running = target.evaluateWithoutGeneratingNewTokens(tokens);
                            abort.abort();
                            await running;
                        };
                    }
                    const value: unknown = Reflect.get(target, prop, target);
                    return typeof value === "function" ? value.bind(target) : value;
                }
            });
            const result = await generate(watched, prompt, {maxTokens: 16, signal: abort.signal});
            assert.equal(result.aborted, true);
            assert.equal(result.generatedTokens, 0);
            const chunk = prefillChunk(sequence);
            assert.ok(chunk < prompt.length / 2, `the prompt spans several pieces of ${chunk}`);
            assert.deepEqual(calls, [{tokens: chunk, afterAbort: false}], "one piece evaluated, none after the abort");
        } finally {
            await context.dispose();
        }
    });
});
