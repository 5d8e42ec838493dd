// Restarts the language server after it dies (a native crash in llama.cpp included) with capped exponential
// backoff, and tells the user once per burst of crashes instead of once per crash. Pure timing logic, so the
// policy is unit-tested; src/client.ts applies it.

export interface RestartDecision {
    /** Wait this long before restarting; undefined = give up until the user restarts by hand. */
    delayMs?: number;
    /** Show a notification for this crash (the first of a burst, or giving up). */
    notify: boolean;
}

export class CrashSupervisor {
    private crashes: number[] = [];

    constructor(private readonly now: () => number = () => Date.now(),
                private readonly windowMs = 5 * 60_000, private readonly maxCrashes = 5,
                private readonly baseDelayMs = 500, private readonly maxDelayMs = 30_000) {}

    onCrash(): RestartDecision {
        const t = this.now();
        this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
        this.crashes.push(t);
        const n = this.crashes.length;
        if (n > this.maxCrashes) return {notify: n === this.maxCrashes + 1};
        return {delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)), notify: n === 1};
    }

    /** A manual restart starts a fresh window. */
    reset() {
        this.crashes = [];
    }
}
