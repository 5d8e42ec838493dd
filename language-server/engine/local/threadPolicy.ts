// How many CPU threads llama.cpp computes with when gemmaCode.threads is 0. From measurement (README, "Threads"),
// not "all cores":
// - SMT siblings share one core's execution units: llama.cpp's own default counts physical cores only;
// - on an idle machine every physical core pays (llama-server's default), but a core that another process keeps
//   busy must not get a compute thread: llama.cpp's threads wait for each other at every barrier, so two threads on
//   one free core were 3-4x slower than one (issue 14). So the count follows the load while we compute;
// - a model wholly on the GPU needs the CPU only to feed it: a few threads, more only add synchronisation.
import fs from "node:fs";
import os from "node:os";

/** Threads when every layer is on the GPU (llama.cpp's examples use a handful for offloaded models). */
const GPU_THREADS = 2;

export interface ThreadPolicyInput {
    /** gemmaCode.threads: > 0 is the user's choice and always wins. */
    setting: number;
    physicalCores: number;
    /** Every layer of the model is on the GPU. */
    fullyOffloaded: boolean;
}

/**
 * The context's thread count at creation: the setting, few on a GPU, else every physical core, which the load-aware
 * governor (below) then lowers per decode batch while other processes keep cores busy.
 */
export function threadsFor({setting, physicalCores, fullyOffloaded}: ThreadPolicyInput): number {
    if (setting > 0) return setting;
    const cores = Math.max(1, physicalCores);
    if (fullyOffloaded) return Math.min(GPU_THREADS, cores);
    return cores;
}

/** Whether the thread count follows the machine's load: on the CPU, when gemmaCode.threads is 0. */
export function loadAware({setting, fullyOffloaded}: ThreadPolicyInput): boolean {
    return setting <= 0 && !fullyOffloaded;
}

/**
 * CPU time, ms, since boot: `busy` = all CPUs' time not idle (user, nice, system, interrupts), `ours` = this process's
 * (all its threads). Niced processes count: with Linux's autogroup (on by default on desktops) a niced build in
 * another session gets the same share of the CPU as we do (measured here: 37 % of it beside our busy loop).
 */
export interface CpuSample {
    at: number;
    busy: number;
    ours: number;
}

/** A stretch of time during which this process was computing, and how much CPU the other processes took in it. */
export interface BusyInterval {
    at: number;
    ms: number;
    /** CPU time other processes used in it, ms (summed over CPUs). */
    others: number;
}

export function intervalBetween(a: CpuSample, b: CpuSample): BusyInterval | undefined {
    const ms = b.at - a.at;
    if (ms <= 0) return undefined;
    return {at: b.at, ms, others: Math.max(0, (b.busy - a.busy) - (b.ours - a.ours))};
}

/** How much busy time the decision looks back over (the most recent intervals first). */
export const LOOKBACK_MS = 200;

/**
 * Cores the other processes keep busy, from the most recent intervals in which we computed (at most LOOKBACK_MS of
 * them, newest first). Only those count: a process that runs while we wait (the editor, a benchmark's other engine)
 * does not compete with our threads; one that runs while we compute does. Undefined without such intervals.
 */
export function othersCores(intervals: readonly BusyInterval[], lookbackMs = LOOKBACK_MS): number | undefined {
    let ms = 0, others = 0;
    for (let i = intervals.length - 1; i >= 0 && ms < lookbackMs; i--) {
        // The oldest interval counts for the part of it that fits in the look-back.
        const take = Math.min(intervals[i].ms, lookbackMs - ms);
        ms += take;
        others += intervals[i].others * take / intervals[i].ms;
    }
    return ms > 0 ? others / ms : undefined;
}

/**
 * Compute threads for the free cores: every physical core when nothing else runs (llama.cpp's own default, and on an
 * idle 2-core machine two threads beat one), one fewer for each core another process keeps busy (two threads on one
 * free core wait for each other at every barrier: 3-4x slower than one, README "Threads"). `others` is in logical
 * CPUs (what CPU time measures), turned into physical cores by the SMT ratio. Rounded: three threads sharing two cores
 * (ours two and a spinner) give the spinner ~0.67 of a core, which is read as one busy core.
 */
export function threadsForLoad(physicalCores: number, logicalCpus: number, others: number | undefined): number {
    const cores = Math.max(1, physicalCores);
    if (others === undefined) return cores;
    const busyCores = others * cores / Math.max(cores, logicalCpus);
    return Math.max(1, Math.min(cores, Math.round(cores - busyCores)));
}

/** The machine's CPU time now (os.cpus(): every platform Node runs on). */
export function readCpuSample(): CpuSample {
    let busy = 0;
    for (const cpu of os.cpus()) busy += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
    const usage = process.cpuUsage();
    return {at: performance.now(), busy, ours: (usage.user + usage.system) / 1000};
}

/** Ticks while a generation runs, so that a process that starts or stops meanwhile is seen within ~100 ms. */
const TICK_MS = 100;
/** Intervals kept (a few LOOKBACK_MS). */
const KEPT = 64;

/**
 * Generations measured at a thread count before it is compared: one each, every core first (llama.cpp's default and
 * the policy's guess), so the warm-up costs one generation at the other count. With two each, a 4-request run of the
 * Gemma 2 2B shape spent half its requests at the slower count (1.75x the best fixed count, README "Threads"); a wrong
 * pick from one noisy sample corrects itself, since the count in use keeps being measured (and the other re-checked).
 */
const MIN_SAMPLES = 1;
/** One generation in this many runs at the count that was slower, so that a change (of load, of prompt) is seen. */
const RECHECK_EVERY = 8;
/**
 * A re-check at a count k× slower costs k−1 generations' time, so the period grows k-fold (up to this factor): the
 * re-checks then cost at most ~1/8 of the time on average. Two threads decoded the tiny model 5-10× slower than one
 * here (node-llama-cpp's prebuilt CPU backend starts a thread pool for every graph): re-checked one in 8, they would make
 * the default's mean time about 1.6× the best fixed count's (estimated from bench:engine medians: 77 vs 384 ms).
 */
const MAX_BACKOFF = 8;
/** Weight of the newest per-token time in the running mean. */
const EWMA = 0.3;

/**
 * Every core or one fewer, by measurement: the per-token decode time at each, from the generations themselves. Both
 * happen: on this 2-core VM two threads paid for Gemma 3 270M but cost the tiny test model 1.4x (its 1 ms of compute
 * per token is less than what starting llama.cpp's threads for every token costs, node-llama-cpp's CPU backend making
 * a thread pool per graph). `cap` is the load-aware count.
 */
export class ThreadTuner {
    private readonly perToken = new Map<number, {mean: number; n: number}>();
    private generations = 0;

    choose(cap: number): number {
        if (cap <= 1) return 1;
        const all = cap, fewer = cap - 1;
        const a = this.perToken.get(all), b = this.perToken.get(fewer);
        if (!a || a.n < MIN_SAMPLES) return all;
        if (!b || b.n < MIN_SAMPLES) return fewer;
        const [best, other] = b.mean < a.mean ? [fewer, all] : [all, fewer];
        const slower = Math.max(a.mean, b.mean) / Math.min(a.mean, b.mean);
        const every = RECHECK_EVERY * Math.min(MAX_BACKOFF, Math.max(1, Math.round(slower)));
        return ++this.generations % every === 0 ? other : best;
    }

    /** A generation's decode time per token after the first, all of it computed with `threads`. */
    report(threads: number, msPerToken: number) {
        if (!(msPerToken > 0) || !Number.isFinite(msPerToken)) return;
        const m = this.perToken.get(threads);
        if (!m) this.perToken.set(threads, {mean: msPerToken, n: 1});
        else this.perToken.set(threads, {mean: m.mean + EWMA * (msPerToken - m.mean), n: m.n + 1});
    }
}

/** What a finished generation measured: decode time per token after the first. */
export interface Measured {
    msPerToken: number;
}

/**
 * Sets `llama.maxThreads` (node-llama-cpp reads it before every decode batch, ThreadsSplitter): at most the cores
 * other processes leave free while we compute, and of those all or one fewer, whichever decoded faster (ThreadTuner).
 * `busy()` brackets every generation; nothing runs while idle.
 */
export class ThreadGovernor {
    private readonly intervals: BusyInterval[] = [];
    private readonly tuner = new ThreadTuner();
    private running = 0;
    private last: CpuSample | undefined;
    private timer: NodeJS.Timeout | undefined;
    /** The tuner's count for the current busy stretch; false once the count changed during it. */
    private chosen = 0;
    private steady = true;

    constructor(private readonly target: {maxThreads: number}, private readonly physicalCores: number,
                private readonly logicalCpus = os.availableParallelism(), private readonly sample: () => CpuSample = () => readCpuSample()) {
        this.chosen = this.loadCap();
        this.target.maxThreads = this.chosen;
    }

    /** The thread count the next decode batch may use. */
    get threads() {
        return this.target.maxThreads;
    }

    /** Marks a generation as running until the returned function is called (with what it measured, if it did). */
    busy(): (measured?: Measured) => void {
        if (this.running++ === 0) {
            this.last = this.sample();
            this.chosen = this.tuner.choose(this.loadCap());
            this.target.maxThreads = this.chosen;
            this.steady = true;
            this.timer = setInterval(() => this.tick(), TICK_MS);
            this.timer.unref();
        } else {
            this.steady = false; // two generations share the threads: not a measurement of either count
        }
        let ended = false;
        return (measured) => {
            if (ended) return;
            ended = true;
            if (measured && this.steady && this.running === 1) this.tuner.report(this.target.maxThreads, measured.msPerToken);
            if (--this.running > 0) return;
            clearInterval(this.timer);
            this.timer = undefined;
            this.tick();
            this.last = undefined;
        };
    }

    private loadCap() {
        return threadsForLoad(this.physicalCores, this.logicalCpus, othersCores(this.intervals));
    }

    private tick() {
        const now = this.sample();
        const interval = this.last && intervalBetween(this.last, now);
        this.last = now;
        if (!interval) return;
        this.intervals.push(interval);
        if (this.intervals.length > KEPT) this.intervals.shift();
        const threads = Math.min(this.chosen, this.loadCap());
        if (threads !== this.target.maxThreads) {
            this.target.maxThreads = threads;
            this.steady = false;
        }
    }

    dispose() {
        clearInterval(this.timer);
        this.timer = undefined;
    }
}

/**
 * Physical cores this process may run on: distinct (package, core) pairs of the online CPUs from Linux sysfs,
 * scaled down to this process's affinity set. Elsewhere (no sysfs) the logical CPU count: SMT cannot be told apart.
 */
export function physicalCores(): number {
    const logical = os.availableParallelism();
    try {
        const online = parseCpuList(fs.readFileSync("/sys/devices/system/cpu/online", "utf8"));
        const cores = new Set<string>();
        for (const cpu of online) {
            const dir = `/sys/devices/system/cpu/cpu${cpu}/topology`;
            const pkg = fs.readFileSync(`${dir}/physical_package_id`, "utf8").trim();
            const core = fs.readFileSync(`${dir}/core_id`, "utf8").trim();
            cores.add(`${pkg}/${core}`);
        }
        if (cores.size === 0) return logical;
        // An affinity mask (taskset, containers) can give this process fewer CPUs than the machine has online.
        const smt = online.length / cores.size;
        return Math.max(1, Math.min(cores.size, Math.round(logical / smt)));
    } catch {
        return logical;
    }
}

/** "0-3,8,10-11" → [0, 1, 2, 3, 8, 10, 11]. */
export function parseCpuList(text: string): number[] {
    const out: number[] = [];
    for (const part of text.trim().split(",")) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
        if (!m) continue;
        const from = Number(m[1]), to = Number(m[2] ?? m[1]);
        for (let i = from; i <= to && out.length < 4096; i++) out.push(i);
    }
    return out;
}
