// Owns the model's lifecycle: loads it in the background, reports state changes, lets requests wait for it
// (bounded), reloads when the settings that matter change, and releases it cleanly.
import os from "node:os";
import path from "node:path";
import type {Llama, LlamaContext, LlamaContextSequence, LlamaModel} from "node-llama-cpp";
import {CancellationToken, ResponseError} from "vscode-languageserver";
import {Backend, ErrorCodes, ServerSettings, ServerState, SystemInfo} from "../../../protocol/lsp";
import * as l10n from "../../l10n";
import {Logger} from "../../log";
import {disposeDraftModel, DraftModel, loadDraftModel} from "./draftModel";
import {ContextSizeOption, FallbackError, FallbackOutcome, fallbackPlan, loadWithFallback} from "./gpuFallback";
import {explainLoadError, isFileProblem, precheckModelFile} from "./loadErrors";
import {loadNodeLlamaCpp} from "./nodeLlamaCpp";
import {registerModel, unregister} from "./peers";
import {loadAware, physicalCores, ThreadGovernor, threadsFor} from "./threadPolicy";
import {flashAttentionFor} from "./flashAttention";

/** A loaded model with one context and a sequence per kind of work, so each keeps its own KV cache. */
export interface LoadedModel {
    llama: Llama;
    model: LlamaModel;
    context: LlamaContext;
    /** Completion gets its own sequence: its KV prefix must survive chat and review traffic. */
    completionSequence: LlamaContextSequence;
    /** Chat, review and explain share this one, one request at a time (see TaskQueue). */
    taskSequence: LlamaContextSequence;
    modelName: string;
    /** Speculative decoding's draft model for completions, when configured and usable. */
    draft?: DraftModel;
    /** With gemmaCode.threads 0 on the CPU: the thread count follows the other processes' load (threadPolicy.ts). */
    threads?: ThreadGovernor;
}

/** Called before a model is released: stop every generation that uses it and wait for it to settle. */
export type BeforeUnload = (loaded: LoadedModel) => Promise<void>;

interface Load {
    key: string;
    /** Fires when the load is no longer wanted (a model switch, shutdown): a load stuck in llama.cpp gives up. */
    abort: AbortController;
    promise: Promise<LoadedModel>;
    /** Set when the load has failed, so waiting requests fail at once with the reason. */
    failure?: string;
}

const LOG_LINES_KEPT = 40;
/** How long a model switch waits for an aborted load to stop before it starts the next one. */
const STUCK_LOAD_MS = 5000;

export class ModelHost {
    private llamas = new Map<string, Promise<Llama>>();
    private load: Load | undefined;
    private state: ServerState = {status: "noModel", message: l10n.t("No model is configured."), pid: process.pid};
    private readonly recentLog: string[] = [];
    private readonly beforeUnload: BeforeUnload[] = [];
    private settings: ServerSettings | undefined;
    private idleTimer: NodeJS.Timeout | undefined;

    constructor(private readonly log: Logger, private readonly onState: (state: ServerState) => void) {}

    get currentState(): ServerState {
        return this.state;
    }

    /** Registers a hook that runs before a model is released (reload or shutdown). */
    onBeforeUnload(hook: BeforeUnload) {
        this.beforeUnload.push(hook);
    }

    /** Applies settings: (re)loads the model when the file or the way it is loaded changed. */
    configure(settings: ServerSettings) {
        this.settings = settings;
        this.armIdleTimer();
        const c = settings.completion;
        // A draft change reloads everything: simpler than swapping drafts under a running completion, and rare.
        const key = JSON.stringify([settings.modelPath, settings.gpu, settings.contextSize, settings.threads,
            c.draftModelPath, c.draftMaxTokens, c.draftMinConfidence]);
        if (this.load?.key === key) return;
        const previous = this.load;
        previous?.abort.abort();
        if (!settings.modelPath) {
            this.load = undefined;
            void this.release(previous);
            this.setState({status: "noModel", message: precheckModelFile("")!.message});
            return;
        }
        const load: Load = {key, abort: new AbortController(), promise: undefined as never};
        this.load = load;
        // Say "loading" now, not after the previous model is released: a client asking right away must not see
        // a stale "noModel" or "ready".
        this.setState({status: "loading", message: l10n.t("Loading {0}…", path.basename(settings.modelPath)), modelPath: settings.modelPath});
        load.promise = this.release(previous).then(() => this.loadModel(settings, load));
        // Failures are reported through state and whenReady; keep them from becoming unhandled rejections.
        load.promise.catch(() => undefined);
    }

    /** Waits for the model, at most timeoutMs; fails with ModelNotReady and the reason if it cannot be had. */
    async whenReady(timeoutMs: number, token?: CancellationToken): Promise<LoadedModel> {
        this.armIdleTimer();
        // Unloaded after idling: load again on demand.
        if (this.state.status === "unloaded" && this.settings) this.configure(this.settings);
        const load = this.load;
        if (!load) throw new ResponseError(ErrorCodes.ModelNotReady, this.state.message);
        if (load.failure) throw new ResponseError(ErrorCodes.ModelNotReady, load.failure);
        let timer: NodeJS.Timeout | undefined;
        let cancelListener: {dispose(): void} | undefined;
        const giveUp = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ResponseError(ErrorCodes.ModelNotReady,
                l10n.t("The model is still loading after {0} s; try again when the status bar says ready.", Math.round(timeoutMs / 1000)))), timeoutMs);
            cancelListener = token?.onCancellationRequested(() => reject(new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Request cancelled"))));
        });
        try {
            return await Promise.race([load.promise, giveUp]);
        } catch (error) {
            if (error instanceof ResponseError) throw error;
            throw new ResponseError(ErrorCodes.ModelNotReady, load.failure ?? String(error));
        } finally {
            clearTimeout(timer);
            cancelListener?.dispose();
        }
    }

    /** The loaded model if it is ready now, without waiting. */
    async readyNow(): Promise<LoadedModel | undefined> {
        return this.state.status === "ready" ? this.load?.promise : undefined;
    }

    /** Backend and free memory, from llama.cpp, without loading a model. */
    async systemInfo(settings: ServerSettings): Promise<SystemInfo> {
        const llama = await this.getLlama(settings);
        const vram = await llama.getVramState();
        return {
            backend: llama.gpu === false ? "cpu" : llama.gpu,
            gpuNames: llama.gpu ? await llama.getGpuDeviceNames() : [],
            vramTotalBytes: vram.total, vramFreeBytes: vram.free,
            ramTotalBytes: os.totalmem(), ramFreeBytes: os.freemem(),
            cpuCores: os.availableParallelism(),
            gpuTypesSupported: (await loadNodeLlamaCpp().then((nlc) => nlc.getLlamaGpuTypes("supported")))
                .map((t) => t === false ? "cpu" : t)
        };
    }

    /** (Re)starts the idle countdown; every request calls it through whenReady. */
    private armIdleTimer() {
        clearTimeout(this.idleTimer);
        const minutes = this.settings?.unloadAfterMinutes ?? 0;
        if (minutes <= 0) return;
        this.idleTimer = setTimeout(() => void this.unloadIdle(minutes), minutes * 60_000);
        this.idleTimer.unref();
    }

    /** Tells whether requests are running (they must not lose their model to the idle timer). */
    isBusy: () => boolean = () => false;

    private async unloadIdle(minutes: number) {
        if (this.state.status === "loading" || this.isBusy()) return this.armIdleTimer();
        if (this.state.status !== "ready") return;
        const load = this.load;
        this.load = undefined;
        await this.release(load);
        unregister();
        this.log.info(`Model unloaded after ${minutes} idle minute(s); it loads again on the next request.`);
        this.setState({status: "unloaded", message: l10n.t("Model unloaded after {0} idle minute(s) to free memory; it reloads on the next request.", minutes),
            modelPath: this.settings?.modelPath});
    }

    async dispose() {
        clearTimeout(this.idleTimer);
        unregister();
        const load = this.load;
        this.load = undefined;
        load?.abort.abort();
        await this.release(load);
        // llama.dispose() is deliberately not awaited: after failed loads it can hang forever (see notes), and the
        // process is about to exit, which frees everything anyway.
        for (const llama of this.llamas.values()) void llama.then((l) => l.dispose()).catch(() => undefined);
    }

    private setState(state: ServerState) {
        this.state = {...state, pid: process.pid};
        this.onState(this.state);
    }

    private getLlama(settings: ServerSettings): Promise<Llama> {
        // The most any context may use; each context picks its own count (threadPolicy.ts) once offloading is known.
        const threads = settings.threads > 0 ? settings.threads : physicalCores();
        const key = `${settings.gpu}/${threads}`;
        let llama = this.llamas.get(key);
        if (!llama) {
            llama = loadNodeLlamaCpp().then((nlc) => nlc.getLlama({
                gpu: settings.gpu === "auto" ? "auto" : settings.gpu === "cpu" ? false : settings.gpu,
                // node-llama-cpp's CPU default is max(cores, 4) threads: on 2 cores that is ~60x slower (notes).
                maxThreads: threads,
                // Prebuilt binaries only: building from source needs a toolchain and the internet.
                build: "never",
                logLevel: "warn" as never,
                logger: (level, message) => this.onLlamaLog(level, message)
            }));
            // A failed getLlama must not be cached: the next configure may fix the cause (e.g. gpu: "cpu").
            llama.catch(() => this.llamas.delete(key));
            this.llamas.set(key, llama);
        }
        return llama;
    }

    /**
     * llama.cpp's log lines reach us through a thread-safe callback that can run after the load has already
     * rejected; the reason for a failure is in them. Wait for an error line, at most 250 ms.
     */
    private logsDelivered(): Promise<void> {
        if (this.recentLog.some((l) => l.startsWith("[error]"))) return Promise.resolve();
        return new Promise((resolve) => {
            const timer = setTimeout(done, 250);
            function done() {
                clearTimeout(timer);
                resolve();
            }
            this.onErrorLine = done;
        });
    }

    private onErrorLine: (() => void) | undefined;

    private onLlamaLog(level: string, message: string) {
        const line = message.trimEnd();
        if (!line) return;
        if (level === "error" || level === "fatal") {
            this.onErrorLine?.();
            this.onErrorLine = undefined;
        }
        this.recentLog.push(`[${level}] ${line}`);
        if (this.recentLog.length > LOG_LINES_KEPT) this.recentLog.shift();
        if (level === "error" || level === "fatal") this.log.error(`llama.cpp: ${line}`);
        else if (level === "warn") this.log.warn(`llama.cpp: ${line}`);
        else this.log.debug(`llama.cpp: ${line}`);
    }

    private isCurrent(load: Load) {
        return this.load === load;
    }

    private async loadModel(settings: ServerSettings, load: Load): Promise<LoadedModel> {
        const started = performance.now();
        const modelPath = settings.modelPath;
        const fail = (message: string, detail: string): never => {
            load.failure = message;
            if (this.isCurrent(load)) this.setState({status: "error", message, modelPath});
            this.log.error(`Model load failed: ${message}${detail ? `\n${detail}` : ""}`);
            throw new ResponseError(ErrorCodes.ModelNotReady, message);
        };

        const precheck = precheckModelFile(modelPath);
        if (precheck) return fail(precheck.message, precheck.detail);
        this.setState({status: "loading", message: l10n.t("Loading {0}…", path.basename(modelPath)), modelPath});
        this.recentLog.length = 0;

        let outcome: FallbackOutcome<Llama, LlamaModel, LlamaContext>;
        try {
            outcome = await loadWithFallback(fallbackPlan(settings.gpu, settings.contextSize), {
                backend: (gpu) => this.getLlama({...settings, gpu}),
                usesGpu: (llama) => llama.gpu !== false,
                loadModel: (llama, attempt) => {
                    this.recentLog.length = 0;
                    return llama.loadModel({modelPath, gpuLayers: attempt.gpuLayers, loadSignal: load.abort.signal});
                },
                createContext: (model, attempt) => model.createContext({
                    contextSize: this.contextWithin(model, attempt.contextSize),
                    sequences: 2,
                    // At most this many; at least one when the load-aware policy lowers llama.maxThreads.
                    threads: {ideal: threadsFor(threadInput(settings, model)), min: 1},
                    // From the model and where it runs (flashAttention.ts): node-llama-cpp's heuristic turns it off for
                    // every gemma2, though it pays on a GPU and for wide heads; narrow heads decode faster without it.
                    flashAttention: flashAttentionFor(model),
                    // Sliding-window layers (Gemma 2: 4096 tokens, Gemma 3: 512 or 1024, read by llama.cpp from the GGUF)
                    // would otherwise drop the cache that prefix reuse needs while typing; a model without SWA ignores it.
                    swaFullCache: true,
                    createSignal: load.abort.signal
                }),
                disposeModel: (model) => model.dispose(),
                isFileProblem: (error) => isFileProblem(explainLoadError(modelPath, error, this.recentLog)),
                signal: load.abort.signal
            });
        } catch (error) {
            if (load.abort.signal.aborted) throw new ResponseError(ErrorCodes.ModelNotReady, l10n.t("The model was replaced while loading."));
            const cause = error instanceof FallbackError ? error.cause : error;
            if (error instanceof FallbackError && error.stage === "backend") {
                return fail(l10n.t("The inference backend \"{0}\" could not start ({1}): set gemmaCode.gpu to \"auto\" or \"cpu\".", settings.gpu,
                    cause instanceof Error ? cause.message : String(cause)), String(cause));
            }
            await this.logsDelivered();
            const explained = explainLoadError(modelPath, cause, this.recentLog);
            const tried = error instanceof FallbackError && error.failures.length ? `\nEarlier steps: ${error.failures.join("; ")}` : "";
            return fail(explained.message, explained.detail + tried);
        }
        const {backend: llama, model, context} = outcome;
        const fellBack = outcome.failures.length ? l10n.t("Running on {0}, because {1}.", outcome.attempt.label, outcome.failures.join("; ")) : "";
        if (fellBack) this.log.warn(fellBack);
        // After the main context, so that the main model has the GPU memory first.
        const {draft, state: draftState} = settings.completion.draftModelPath
            ? await loadDraftModel(llama, model, context, settings.completion,
                {log: this.log, recentLog: this.recentLog, logsDelivered: () => this.logsDelivered()})
            : {draft: undefined, state: undefined};
        const loaded: LoadedModel = {
            llama, model, context,
            threads: loadAware(threadInput(settings, model)) ? new ThreadGovernor(llama, context.idealThreads) : undefined,
            completionSequence: context.getSequence(),
            taskSequence: context.getSequence(),
            modelName: model.fileInfo.metadata?.general?.name ?? path.basename(modelPath, ".gguf"),
            draft
        };
        if (!this.isCurrent(load)) {
            // Settings changed while loading: this model is already stale.
            await this.disposeLoaded(loaded);
            throw new ResponseError(ErrorCodes.ModelNotReady, l10n.t("The model was replaced while loading."));
        }
        const vram = llama.gpu ? await llama.getVramState().catch(() => undefined) : undefined;
        const backend: Backend = llama.gpu === false ? "cpu" : llama.gpu;
        const devices = llama.gpu ? await llama.getGpuDeviceNames().catch(() => []) : [os.cpus()[0]?.model ?? "CPU"];
        const loadMs = Math.round(performance.now() - started);
        const peers = registerModel(modelPath);
        if (peers.length) {
            this.log.warn(`${peers.length} other Gemma Code server(s) (pid ${peers.join(", ")}) hold the same model: each VS Code window loads its own copy.`);
        }
        this.setState({
            status: "ready",
            // Sentences joined by a space: each is a message of its own (l10n.ts translates them one by one).
            message: [model.gpuLayers ? l10n.t("{0} ready on {1} ({2} layers on GPU).", loaded.modelName, backend.toUpperCase(), model.gpuLayers)
                : l10n.t("{0} ready on {1}.", loaded.modelName, backend.toUpperCase()),
            peers.length ? l10n.t("{0} other window(s) also hold this model in memory.", peers.length) : "",
            draftState?.status === "ready" ? draftState.message : draftState ? l10n.t("The draft model is not used (see the log).") : "",
            fellBack].filter(Boolean).join(" "),
            modelPath, modelName: loaded.modelName, backend, devices,
            gpuLayers: model.gpuLayers, contextSize: context.contextSize,
            vramBytes: vram?.used, ramBytes: process.memoryUsage().rss, loadMs, draft: draftState
        });
        this.log.info(`Model ready in ${loadMs} ms: ${loaded.modelName}, backend ${backend}, ${model.gpuLayers} GPU layers, `
            + `context ${context.contextSize}, threads ${context.currentThreads}`);
        return loaded;
    }

    /** A context size within what the model was trained for (a bigger one only costs memory), said in the log. */
    private contextWithin(model: LlamaModel, wanted: ContextSizeOption): ContextSizeOption {
        const limit = model.trainContextSize;
        if (typeof wanted === "number") {
            if (limit > 0 && wanted > limit) {
                this.log.warn(`gemmaCode.contextSize = ${wanted} is more than the model was trained for (${limit}): using ${limit}.`);
                return limit;
            }
            return wanted;
        }
        return limit > 0 ? {min: Math.min(wanted.min, limit), max: Math.min(wanted.max, limit)} : wanted;
    }

    private async release(load: Load | undefined) {
        if (!load) return;
        // A load that is stuck (in llama.cpp, or reading a hostile file) must not block the next one forever: it was
        // aborted, and when it does finish it sees it is stale and disposes its model itself (loadModel).
        let timer: NodeJS.Timeout | undefined;
        const stuck = new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), STUCK_LOAD_MS);
        });
        const loaded = await Promise.race([load.promise.catch(() => undefined), stuck]);
        clearTimeout(timer);
        if (loaded) await this.disposeLoaded(loaded);
        else if (load.abort.signal.aborted && !load.failure) this.log.warn("The previous model load did not stop in time; loading the new one anyway.");
    }

    private async disposeLoaded(loaded: LoadedModel) {
        // Generations must settle before their sequence goes: disposing under a running one crashes (notes).
        for (const hook of this.beforeUnload) await hook(loaded).catch((e) => this.log.error(`before unload: ${e}`));
        // The next context on this Llama is sized by its maxThreads: give back what the governor lowered.
        loaded.threads?.dispose();
        if (loaded.threads) loaded.llama.maxThreads = loaded.context.idealThreads;
        await loaded.context.dispose().catch(() => undefined);
        await disposeDraftModel(loaded.draft);
        await loaded.model.dispose().catch(() => undefined);
    }
}

function threadInput(settings: ServerSettings, model: LlamaModel) {
    return {setting: settings.threads, physicalCores: physicalCores(),
        fullyOffloaded: model.llama.gpu !== false && model.gpuLayers >= model.fileInsights.totalLayers};
}
