// What the host's windows share: one LocalEngine (one model, one context, one task sequence), the completion
// sequences (sequencePool.ts) and the completion turns (fairTurns.ts). Each window talks to its own WindowEngine,
// which server.ts uses like any engine: its state is the model's, its sessions complete on the window's own
// sequence, taking turns with the other windows, and disposing it releases only the window's share.
import type {LlamaContextSequence} from "node-llama-cpp";
import type {CancellationToken} from "vscode-languageserver";
import {hostKey} from "../../protocol/host";
import type {ServerSettings, ServerState, SystemInfo} from "../../protocol/lsp";
import {BeforeUnload, ChatOptions, ChatTurn, CompletionRequest, emptyResult, Engine, GenerationResult, ModelSession, ProseOptions}
    from "../engine/engine";
import {LocalEngine, LocalSession} from "../engine/local/localEngine";
import type {Logger} from "../log";
import type {LoadedModel} from "../engine/local/modelHost";
import {FairTurns, Turn, TurnOptions} from "./fairTurns";
import {SequencePool} from "./sequencePool";

export class SharedModel {
    readonly local: LocalEngine;
    readonly turns: FairTurns | undefined;
    private readonly windows = new Set<WindowEngine>();
    private pool: SequencePool | undefined;
    private key: string | undefined;
    private nextWindow = 0;
    private settings: ServerSettings | undefined;
    private readonly unloadMinutes = new Map<number, number>();
    private unloadAfter = 0;

    /** turns: false = no turn-taking at all (windows' generations run at once; for the benchmark's baseline). */
    constructor(private readonly log: Logger, readonly sequenceLimit: number, turns: Partial<TurnOptions> | false = {}) {
        this.turns = turns === false ? undefined : new FairTurns(turns);
        this.local = new LocalEngine(log, (state) => {
            for (const w of this.windows) w.onState(state);
        });
        this.local.isBusy = () => [...this.windows].some((w) => w.isBusy());
        // Before the model goes (idle unload, host exit): every window stops its work, then the pool's contexts go.
        this.local.onBeforeUnload(async () => {
            for (const w of this.windows) await w.beforeUnload();
            const pool = this.pool;
            this.pool = undefined;
            await pool?.dispose();
        });
    }

    get sequencesInUse() {
        return this.pool?.size ?? 0;
    }

    window(onState: (state: ServerState) => void): WindowEngine {
        const w = new WindowEngine(this, ++this.nextWindow, onState);
        this.windows.add(w);
        return w;
    }

    /**
     * The first window's settings load the model; the host's key says they are every window's (see hostKey). The
     * model's idle unload follows the connected windows' unloadAfterMinutes: the longest of them, "never" (0) winning,
     * so no window loses its model sooner than it asked for.
     */
    configure(window: WindowEngine, settings: ServerSettings) {
        const key = hostKey(settings);
        if (this.key !== undefined && key !== this.key) {
            this.log.warn(`Window ${window.id} asks for other model settings than this host serves (${settings.modelPath}); `
                + "it keeps this host's model. Editors connect to the host for their model (its socket is named after the settings).");
            return;
        }
        this.key = key;
        this.unloadMinutes.set(window.id, settings.unloadAfterMinutes);
        this.settings = settings;
        this.applyUnload();
    }

    /** The unloadAfterMinutes of the windows connected now, or of the last ones when none is left. */
    get unloadAfterMinutes() {
        return this.unloadAfter;
    }

    private applyUnload() {
        if (this.unloadMinutes.size === 0 || !this.settings) return;
        const minutes = longestUnload([...this.unloadMinutes.values()]);
        if (minutes !== this.unloadAfter) this.log.info(`Model unload after ${minutes || "never (0)"} idle minute(s): the longest of the windows' settings.`);
        this.unloadAfter = minutes;
        this.local.configure({...this.settings, unloadAfterMinutes: minutes});
    }

    async sequenceFor(window: WindowEngine, loaded: LoadedModel): Promise<LlamaContextSequence> {
        if (this.pool?.loaded !== loaded) {
            await this.pool?.dispose();
            this.pool = new SequencePool(loaded, this.sequenceLimit, this.log);
        }
        return this.pool.acquire(window.id);
    }

    async leave(window: WindowEngine) {
        this.windows.delete(window);
        this.unloadMinutes.delete(window.id);
        this.applyUnload();
        await this.pool?.release(window.id);
    }

    dispose() {
        return this.local.dispose();
    }
}

/** Windows' unloadAfterMinutes → the host's: the longest; 0 (never unload) wins over any number. */
export function longestUnload(minutes: number[]): number {
    return minutes.some((m) => m <= 0) ? 0 : Math.max(0, ...minutes);
}

export class WindowEngine implements Engine {
    readonly kind = "local" as const;
    private readonly hooks: BeforeUnload[] = [];
    private readonly sessions = new WeakMap<LoadedModel, ModelSession>();
    isBusy: () => boolean = () => false;

    constructor(private readonly shared: SharedModel, readonly id: number, readonly onState: (state: ServerState) => void) {}

    get currentState() {
        return this.shared.local.currentState;
    }

    configure(settings: ServerSettings) {
        this.shared.configure(this, settings);
    }

    async whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession> {
        const loaded = await this.shared.local.host.whenReady(timeoutMs, token);
        let session = this.sessions.get(loaded);
        if (!session) {
            const sequence = await this.shared.sequenceFor(this, loaded);
            session = new WindowSession(new LocalSession(loaded, () => this.shared.local.settings, sequence), this.shared.turns, this.id, sequence);
            this.sessions.set(loaded, session);
        }
        return session;
    }

    onBeforeUnload(hook: BeforeUnload) {
        this.hooks.push(hook);
    }

    async beforeUnload() {
        for (const hook of this.hooks) await hook();
    }

    systemInfo(settings: ServerSettings): Promise<SystemInfo> {
        return this.shared.local.systemInfo(settings);
    }

    /** The window leaves: only its share goes (its sequence, if nobody else uses it); the model stays. */
    dispose() {
        return this.shared.leave(this);
    }
}

/** A session on the window's own completion sequence; completions take turns with the other windows'. */
class WindowSession implements ModelSession {
    constructor(private readonly inner: LocalSession, private readonly turns: FairTurns | undefined, private readonly window: number,
                private readonly sequence: LlamaContextSequence) {}

    /** Runs `work` in this window's turn; it may be paused at its tokens while other windows' turns run. */
    private async inTurn<T>(request: CompletionRequest, aborted: T, work: (request: CompletionRequest) => Promise<T>): Promise<T> {
        if (!this.turns) return work(request);
        const turn: Turn | undefined = await this.turns.take(this.window, request.signal, this.sequence);
        if (!turn) return aborted;
        try {
            return await work({...request, between: () => turn.checkpoint()});
        } finally {
            turn.release();
        }
    }

    get name() {
        return this.inner.name;
    }
    get contextSize() {
        return this.inner.contextSize;
    }
    get identity() {
        return this.inner.identity;
    }
    countTokens(text: string) {
        return this.inner.countTokens(text);
    }

    complete(request: CompletionRequest): Promise<GenerationResult> {
        return this.inTurn(request, {...emptyResult(), aborted: true}, (r) => this.inner.complete(r));
    }

    /** More candidates from this window's own sequence, in its turn like a completion (moreCandidates.ts). */
    alternatives(request: CompletionRequest, count: number): Promise<string[]> {
        return this.inTurn(request, [], (r) => this.inner.alternatives(r, count));
    }

    chat(history: ChatTurn[], options: ChatOptions): Promise<GenerationResult> {
        return this.inner.chat(history, options);
    }

    generateJson(history: ChatTurn[], schema: object, options: ProseOptions): Promise<GenerationResult> {
        return this.inner.generateJson(history, schema, options);
    }
}
