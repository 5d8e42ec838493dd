// The GPU fallback policy (engine/local/gpuFallback.ts) against a MOCK GPU: this machine has none, so the GPU's failures
// (out of memory for the model, for a large context, a backend that does not start) are simulated by MockGpu. The
// CPU path with the real node-llama-cpp is tested at the LSP level (adversarial.test.ts: gpu "cuda" here).
import assert from "node:assert/strict";
import {Attempt, fallbackPlan, FallbackError, loadWithFallback, SMALL_CONTEXT} from "../../language-server/engine/local/gpuFallback";
import type {GpuSetting} from "../../protocol/lsp";

/** MOCK of a GPU machine: which steps fail, and a record of every step tried. */
class MockGpu {
    readonly tried: string[] = [];
    disposed = 0;
    constructor(private readonly rules: {
        backendFails?: GpuSetting[];
        /** The model fits with at most this many layers on the GPU ("auto" = all of them: 42). */
        maxLayers?: number;
        /** Contexts larger than this do not fit next to the model. */
        maxContext?: number;
        fileBroken?: boolean;
    }) {}

    ops() {
        return {
            backend: async (gpu: GpuSetting) => {
                if (this.rules.backendFails?.includes(gpu)) throw new Error(`NoBinaryFoundError: no ${gpu} binary`);
                return {gpu};
            },
            usesGpu: (b: {gpu: GpuSetting}) => b.gpu !== "cpu",
            loadModel: async (b: {gpu: GpuSetting}, a: Attempt) => {
                this.tried.push(`${b.gpu}/${JSON.stringify(a.gpuLayers)}/${JSON.stringify(a.contextSize)}`);
                if (this.rules.fileBroken) throw new Error("tensor data is not within the file bounds");
                const layers = a.gpuLayers === "auto" ? 42 : typeof a.gpuLayers === "number" ? a.gpuLayers : a.gpuLayers.max;
                if (b.gpu !== "cpu" && this.rules.maxLayers !== undefined && layers > this.rules.maxLayers) {
                    throw new Error("cudaMalloc failed: out of memory");
                }
                return {layers: b.gpu === "cpu" ? 0 : layers};
            },
            createContext: async (_m: {layers: number}, a: Attempt) => {
                const size = typeof a.contextSize === "number" ? a.contextSize : a.contextSize.max;
                if (this.rules.maxContext !== undefined && size > this.rules.maxContext) throw new Error("failed to allocate KV cache");
                return {size};
            },
            disposeModel: async () => void this.disposed++,
            isFileProblem: (e: unknown) => /file bounds/.test(String(e))
        };
    }
}

describe("GPU fallback policy (mock GPU)", () => {
    it("plans: the context asked for, a smaller context, fewer GPU layers, then the CPU", () => {
        assert.deepEqual(fallbackPlan("auto", 0).map((a) => a.label), [
            "the GPU", `the GPU with a smaller context (${SMALL_CONTEXT} tokens)`,
            "at most 20 layers on the GPU, the rest on the CPU, with a smaller context", "the CPU", `the CPU with a smaller context (${SMALL_CONTEXT} tokens)`
        ]);
        assert.deepEqual(fallbackPlan("cpu", 1024).map((a) => a.label), ["the CPU"]);
    });

    it("a context that does not fit: the same GPU with a smaller context", async () => {
        const gpu = new MockGpu({maxContext: 4096});
        const out = await loadWithFallback(fallbackPlan("cuda", 8192), gpu.ops());
        assert.equal(out.attempt.label, `the GPU with a smaller context (${SMALL_CONTEXT} tokens)`);
        assert.deepEqual(out.context, {size: SMALL_CONTEXT});
        assert.equal(out.failures.length, 1);
        assert.match(out.failures[0], /^the GPU: its context did not fit \(failed to allocate KV cache\)/);
        assert.equal(gpu.disposed, 1, "the model of the failed step is released");
    });

    it("a model that does not fit on the GPU: fewer layers there, with a smaller context", async () => {
        const gpu = new MockGpu({maxLayers: 20});
        const out = await loadWithFallback(fallbackPlan("auto", 0), gpu.ops());
        assert.deepEqual(out.model, {layers: 20});
        assert.match(out.attempt.label, /at most 20 layers on the GPU/);
        assert.equal(out.failures.length, 2);
    });

    it("nothing fits on the GPU: the CPU", async () => {
        const gpu = new MockGpu({maxLayers: 5});
        const out = await loadWithFallback(fallbackPlan("vulkan", 0), gpu.ops());
        assert.deepEqual(out.backend, {gpu: "cpu"});
        assert.equal(out.attempt.label, "the CPU");
        assert.equal(gpu.tried.length, 4);
    });

    it("an explicitly chosen backend that does not start: straight to the CPU, with the reason", async () => {
        const gpu = new MockGpu({backendFails: ["cuda"]});
        const out = await loadWithFallback(fallbackPlan("cuda", 0), gpu.ops());
        assert.deepEqual(out.backend, {gpu: "cpu"});
        assert.deepEqual(gpu.tried, ["cpu/0/{\"min\":2048,\"max\":8192}"], "no step is tried on the broken backend");
        assert.match(out.failures[0], /the "cuda" backend did not start \(NoBinaryFoundError/);
    });

    it("a broken file fails at once: no other step can fix it", async () => {
        const gpu = new MockGpu({fileBroken: true});
        await assert.rejects(loadWithFallback(fallbackPlan("auto", 0), gpu.ops()),
            (e: FallbackError) => e instanceof FallbackError && /file bounds/.test(e.message) && e.stage === "model");
        assert.equal(gpu.tried.length, 1);
    });

    it("stops when the load is no longer wanted", async () => {
        const gpu = new MockGpu({maxLayers: 0});
        const abort = new AbortController();
        const ops = {...gpu.ops(), signal: abort.signal};
        const load = ops.loadModel;
        ops.loadModel = (b, a) => {
            abort.abort();
            return load(b, a);
        };
        await assert.rejects(loadWithFallback(fallbackPlan("auto", 0), ops), /cancelled/);
        assert.equal(gpu.tried.length, 1);
    });
});
