// The order in which a model is tried on the machine when the preferred way fails: the backend asked for with the
// context asked for, then a smaller context, then fewer layers on the GPU, then the CPU alone. Any failure of a
// GPU step (the backend does not start, the model or its context does not fit) moves to the next step; a problem
// with the file itself (corrupt, unknown architecture) fails at once, since no other step can fix it. What was
// chosen, and why, is returned for the log and the status message.
import type {GpuSetting} from "../../../protocol/lsp";
import * as l10n from "../../l10n";

/** node-llama-cpp's context size option: a number, or a range it fits to the free memory. */
export type ContextSizeOption = number | {min: number; max: number};

export interface Attempt {
    /** The backend: the one asked for ("auto" = the best GPU found), or the CPU. */
    gpu: GpuSetting;
    gpuLayers: "auto" | number | {max: number};
    contextSize: ContextSizeOption;
    /** For the log: "smaller context (2048 tokens)". */
    label: string;
}

/** Fewer layers on the GPU: at most this many (a 9B Gemma 2 has 42). */
export const FEWER_GPU_LAYERS = 20;
/** The smaller context of the fallback steps; completion prompts are 1,536 tokens by default. */
export const SMALL_CONTEXT = 2048;
/** With contextSize 0 ("auto"): fit up to this much to the free memory. */
export const AUTO_CONTEXT: ContextSizeOption = {min: SMALL_CONTEXT, max: 8192};

/** The steps for a `gpu` setting and a contextSize setting (0 = auto). */
export function fallbackPlan(gpu: GpuSetting, contextSize: number): Attempt[] {
    const wanted: ContextSizeOption = contextSize > 0 ? contextSize : AUTO_CONTEXT;
    const canShrink = contextSize === 0 || contextSize > SMALL_CONTEXT;
    const cpu: Attempt[] = [{gpu: "cpu", gpuLayers: 0, contextSize: wanted, label: l10n.t("the CPU")}];
    if (canShrink) cpu.push({gpu: "cpu", gpuLayers: 0, contextSize: SMALL_CONTEXT, label: l10n.t("the CPU with a smaller context ({0} tokens)", SMALL_CONTEXT)});
    if (gpu === "cpu") return cpu;
    const onGpu: Attempt[] = [{gpu, gpuLayers: "auto", contextSize: wanted, label: l10n.t("the GPU")}];
    if (canShrink) onGpu.push({gpu, gpuLayers: "auto", contextSize: SMALL_CONTEXT, label: l10n.t("the GPU with a smaller context ({0} tokens)", SMALL_CONTEXT)});
    onGpu.push({gpu, gpuLayers: {max: FEWER_GPU_LAYERS}, contextSize: SMALL_CONTEXT,
        label: l10n.t("at most {0} layers on the GPU, the rest on the CPU, with a smaller context", FEWER_GPU_LAYERS)});
    return [...onGpu, ...cpu];
}

/** What the steps need from the runtime; the real one is node-llama-cpp (modelHost.ts), tests pass a mock. */
export interface FallbackOps<B, M, C> {
    /** The backend for a gpu setting; "cpu" must not use a GPU at all. Throws when it cannot start. */
    backend(gpu: GpuSetting): Promise<B>;
    /** False when the backend runs on the CPU ("auto" on a machine without a usable GPU). */
    usesGpu(backend: B): boolean;
    loadModel(backend: B, attempt: Attempt): Promise<M>;
    createContext(model: M, attempt: Attempt): Promise<C>;
    disposeModel(model: M): Promise<void>;
    /** True for errors no other step can fix (the file is broken): they end the fallback. */
    isFileProblem(error: unknown): boolean;
    /** Stops the steps when the load is no longer wanted (a model switch). */
    signal?: AbortSignal;
}

export interface FallbackOutcome<B, M, C> {
    backend: B;
    model: M;
    context: C;
    attempt: Attempt;
    /** One line per step that failed before the one that worked, e.g. "the GPU: out of memory". */
    failures: string[];
}

export class FallbackError extends Error {
    constructor(override readonly cause: unknown, readonly failures: string[], readonly stage: "backend" | "model" | "context") {
        super(cause instanceof Error ? cause.message : String(cause));
    }
}

/** Runs the plan until a step works; throws a FallbackError with the last error when none does. */
export async function loadWithFallback<B, M, C>(plan: Attempt[], ops: FallbackOps<B, M, C>): Promise<FallbackOutcome<B, M, C>> {
    const failures: string[] = [];
    const brokenBackends = new Set<GpuSetting>();
    const triedOnCpu = new Set<string>();
    let last: FallbackError | undefined;
    for (const [i, attempt] of plan.entries()) {
        if (ops.signal?.aborted) throw new FallbackError(new Error(l10n.t("The load was cancelled.")), failures, "model");
        if (brokenBackends.has(attempt.gpu)) continue;
        let backend: B;
        try {
            backend = await ops.backend(attempt.gpu);
        } catch (error) {
            brokenBackends.add(attempt.gpu);
            failures.push(l10n.t("{0}: the \"{1}\" backend did not start ({2})", attempt.label, attempt.gpu, firstLine(error)));
            last = new FallbackError(error, failures, "backend");
            continue;
        }
        // "auto" without a usable GPU already is the CPU: a step that would repeat one run there is skipped.
        const onCpu = !ops.usesGpu(backend);
        const cpuKey = JSON.stringify(attempt.contextSize);
        if (onCpu && (triedOnCpu.has(cpuKey) || (attempt.gpu !== "cpu" && attempt.gpuLayers !== "auto"))) continue;
        if (onCpu) triedOnCpu.add(cpuKey);
        let model: M;
        try {
            model = await ops.loadModel(backend, attempt);
        } catch (error) {
            last = new FallbackError(error, [...failures], "model");
            if (ops.isFileProblem(error) || i === plan.length - 1) throw last;
            failures.push(l10n.t("{0}: the model did not load ({1})", attempt.label, firstLine(error)));
            continue;
        }
        try {
            const context = await ops.createContext(model, attempt);
            return {backend, model, context, attempt, failures};
        } catch (error) {
            await ops.disposeModel(model).catch(() => undefined);
            last = new FallbackError(error, [...failures], "context");
            if (ops.isFileProblem(error) || i === plan.length - 1) throw last;
            failures.push(l10n.t("{0}: its context did not fit ({1})", attempt.label, firstLine(error)));
        }
    }
    throw last ?? new FallbackError(new Error(l10n.t("No way to load the model was left to try.")), failures, "model");
}

function firstLine(error: unknown) {
    return String(error instanceof Error ? error.message : error).split("\n", 1)[0].slice(0, 160);
}
