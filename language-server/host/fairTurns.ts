// One completion generation at a time across the host's windows, handed out in arrival order. Each window has at
// most one request waiting (its CompletionService is latest-wins: a newer keystroke aborts the older request, and
// an aborted request leaves the line), so arrival order is round-robin between windows: a window that just had
// its turn queues behind every window already waiting. Chat, review and explain do not take turns here (they have
// their own sequence and queue), so a long chat never holds up ghost text.

export class FairTurns {
    private running = false;
    private readonly waiting: {grant: (release: (() => void) | undefined) => void; signal: AbortSignal}[] = [];
    /** Turns granted so far, per window id (for the host's log and tests). */
    readonly granted = new Map<number, number>();

    /**
     * Waits for the turn; resolves with the function that ends it, or undefined if `signal` fired while waiting
     * (the request was superseded or cancelled and must not run).
     */
    take(window: number, signal: AbortSignal): Promise<(() => void) | undefined> {
        if (signal.aborted) return Promise.resolve(undefined);
        return new Promise((resolve) => {
            const grant = (release: (() => void) | undefined) => {
                signal.removeEventListener("abort", onAbort);
                if (release) this.granted.set(window, (this.granted.get(window) ?? 0) + 1);
                resolve(release);
            };
            const entry = {grant, signal};
            const onAbort = () => {
                const i = this.waiting.indexOf(entry);
                if (i >= 0) this.waiting.splice(i, 1);
                grant(undefined);
            };
            signal.addEventListener("abort", onAbort);
            this.waiting.push(entry);
            this.next();
        });
    }

    private next() {
        if (this.running) return;
        const entry = this.waiting.shift();
        if (!entry) return;
        this.running = true;
        let released = false;
        entry.grant(() => {
            if (released) return;
            released = true;
            this.running = false;
            this.next();
        });
    }
}
