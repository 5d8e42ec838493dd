// Adaptive debounce for completion requests, in the server so that every LSP client gets it (completionService.ts).
// Fast typists get a longer wait (no generation per keystroke that would only be cancelled), and a pause after
// typing gets a suggestion quickly. Like Tabby's, bounded to a range.

export class AdaptiveDebounce {
    private lastKeystroke = 0;
    private averageInterval: number | undefined;

    constructor(private readonly baseMs: () => number, private readonly now: () => number = () => Date.now(),
                private readonly minMs = 50, private readonly maxMs = 600) {}

    /** Records a keystroke (a completion request) and returns how long to wait before sending it. */
    next(): number {
        const t = this.now();
        const interval = this.lastKeystroke ? t - this.lastKeystroke : undefined;
        this.lastKeystroke = t;
        // Intervals over 2 s are pauses, not typing speed.
        if (interval !== undefined && interval < 2000) {
            this.averageInterval = this.averageInterval === undefined ? interval : 0.7 * this.averageInterval + 0.3 * interval;
        }
        const base = this.baseMs();
        if (this.averageInterval === undefined) return clamp(base, this.minMs, this.maxMs);
        // Wait a bit longer than the user's usual gap between keys: if another key comes, this request is moot.
        return clamp(Math.max(base * 0.5, this.averageInterval * 1.3), this.minMs, this.maxMs);
    }
}

function clamp(v: number, lo: number, hi: number) {
    return Math.round(Math.min(hi, Math.max(lo, v)));
}
