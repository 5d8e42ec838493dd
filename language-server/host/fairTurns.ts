// One completion generation at a time across the host's windows, and the window that has had the least of the model
// lately goes first. Each window has at most one request waiting (its CompletionService is latest-wins: a newer
// keystroke aborts the older request, and an aborted request leaves the line). Chat, review and explain do not take
// turns here (they have their own sequence and queue), so a long chat never holds up ghost text.
//
// A turn is not held to its end: the generator calls checkpoint() at every token (and between prefill chunks), and
// a running turn pauses there when a waiting window has used the model less, recently, than it has (by more than
// one slice). So a window that asks now and then (an isolated request) waits at most one token of another window's
// long generation, however many tokens that one asks for; two windows that both generate without a break alternate
// in slices. "Used" is the time a window's turns held the model, decayed with a half-life (5 s), so a window that was
// busy a while ago is not held back for it; a running turn's first second does not count against it yet, so that an
// isolated request, once running, is not paused for a busier window just because of its own length (on a slow machine
// one suggestion can take a second). A paused turn keeps its place in its window's own KV-cached sequence
// and resumes where it stopped (or is simply dropped when its window's next keystroke supersedes it). Windows that
// share a sequence (beyond the host's sequence limit) never run inside each other's pause: a turn waiting for a
// sequence that a paused turn holds is passed over until that one has ended.

export interface TurnOptions {
    /** Half-life of a window's recorded use of the model. */
    halfLifeMs: number;
    /** How much more use a running turn must have than a waiting one before it pauses (no thrashing). */
    sliceMs: number;
    /** A running turn's first graceMs are not counted in its use until it ends. */
    graceMs: number;
    /** Off: a turn runs to its end once granted (first come, first served), for the benchmark and the tests. */
    preempt: boolean;
    now: () => number;
}

export const DEFAULT_TURN_OPTIONS: TurnOptions = {halfLifeMs: 5000, sliceMs: 50, graceMs: 1000, preempt: true, now: () => performance.now()};

/** A granted turn. */
export interface Turn {
    /**
     * Called by the generator between tokens: returns at once, or pauses the generation while another window's turn
     * runs. False when the request was aborted while paused: the generation must end there.
     */
    checkpoint(): Promise<boolean>;
    /** Ends the turn (idempotent). */
    release(): void;
}

interface Entry {
    window: number;
    /** What the request generates on: two entries on one sequence never interleave. */
    sequence: object;
    signal: AbortSignal;
    /** A paused turn waiting to resume (it holds its sequence). */
    paused: boolean;
    grant: (granted: boolean) => void;
}

export class FairTurns {
    private readonly options: TurnOptions;
    private readonly waiting: Entry[] = [];
    private running: {entry: Entry; since: number} | undefined;
    private readonly used = new Map<number, {ms: number; at: number}>();
    /** Turns granted so far, per window id (for the host's log and tests). */
    readonly granted = new Map<number, number>();
    /** Running turns paused for another window so far. */
    preemptions = 0;

    constructor(options: Partial<TurnOptions> = {}) {
        this.options = {...DEFAULT_TURN_OPTIONS, ...options};
    }

    /**
     * Waits for a turn on `sequence`; resolves with it, or undefined if `signal` fired while waiting (the request was
     * superseded or cancelled and must not run).
     */
    async take(window: number, signal: AbortSignal, sequence: object = {}): Promise<Turn | undefined> {
        const entry: Entry = {window, sequence, signal, paused: false, grant: () => undefined};
        if (!await this.wait(entry)) return undefined;
        this.granted.set(window, (this.granted.get(window) ?? 0) + 1);
        let released = false;
        return {
            checkpoint: async () => {
                if (released || !this.options.preempt || this.running?.entry !== entry) return !released;
                const now = this.options.now();
                const mine = this.usage(window, now, this.options.graceMs);
                const rival = this.eligible().find((w) => w.sequence !== sequence);
                if (!rival || this.usage(rival.window, now) + this.options.sliceMs >= mine) return true;
                this.preemptions++;
                this.stop(now);
                entry.paused = true;
                const resumed = await this.wait(entry);
                entry.paused = false;
                if (!resumed) released = true;
                return resumed;
            },
            release: () => {
                if (released) return;
                released = true;
                if (this.running?.entry === entry) {
                    this.stop(this.options.now());
                    this.next();
                }
            }
        };
    }

    /** A window's use of the model (ms), decayed to `now`, counting the turn it is running beyond `graceMs`. */
    usage(window: number, now = this.options.now(), graceMs = 0): number {
        const u = this.used.get(window);
        const past = u ? u.ms * 2 ** (-(now - u.at) / this.options.halfLifeMs) : 0;
        return past + (this.running?.entry.window === window ? Math.max(0, now - this.running.since - graceMs) : 0);
    }

    private wait(entry: Entry): Promise<boolean> {
        if (entry.signal.aborted) return Promise.resolve(false);
        return new Promise((resolve) => {
            const onAbort = () => {
                const i = this.waiting.indexOf(entry);
                if (i >= 0) this.waiting.splice(i, 1);
                entry.grant(false);
                // A paused turn that goes lets the turns waiting for its sequence run.
                this.next();
            };
            entry.grant = (granted) => {
                entry.signal.removeEventListener("abort", onAbort);
                resolve(granted);
            };
            entry.signal.addEventListener("abort", onAbort);
            this.waiting.push(entry);
            this.next();
        });
    }

    /** Waiting entries that may run now, least used first (ties: first come). */
    private eligible(): Entry[] {
        const held = new Set(this.waiting.filter((e) => e.paused).map((e) => e.sequence));
        const now = this.options.now();
        const ready = this.waiting.filter((e) => e.paused || !held.has(e.sequence));
        if (!this.options.preempt) return ready;
        return ready.map((e, i) => ({e, i, u: this.usage(e.window, now)})).sort((x, y) => x.u - y.u || x.i - y.i).map((x) => x.e);
    }

    /** The running turn stops holding the model: its time is added to its window's use. */
    private stop(now: number) {
        const run = this.running;
        if (!run) return;
        const ms = this.usage(run.entry.window, now);
        this.running = undefined;
        this.used.set(run.entry.window, {ms, at: now});
    }

    private next() {
        if (this.running) return;
        const entry = this.eligible()[0];
        if (!entry) return;
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        this.running = {entry, since: this.options.now()};
        entry.grant(true);
    }
}
