// Several inline suggestions without slowing the first: the first is answered as soon as it is ready, then the
// others are generated in the background from the KV cache it left (ModelSession.alternatives). VS Code asks again,
// with an explicit trigger, when the user cycles (Alt+] / "Show Next Inline Suggestion"); that request waits for
// the background run and gets every candidate. Any new generation aborts the background run first (at most one
// token late), so the next keystroke's suggestion is never queued behind it.
import type {CompletionMetrics} from "../../protocol/lsp";
import {CursorText, typedAheadRest} from "./suggestionCache";

interface Run {
    at: CursorText;
    first: string;
    controller: AbortController;
    /** Distinct candidates, the first one first; settles when the background run ends (never rejects). */
    done: Promise<string[]>;
    finished: boolean;
    candidates: string[];
    /** Cleared (settings changed, document closed): never answered from again. */
    forgotten?: boolean;
}

export class MoreCandidates {
    private run: Run | undefined;

    constructor(private readonly counts: Pick<CompletionMetrics, "candidateRuns" | "candidateRunsAborted" | "extraCandidates">) {}

    /** Starts the background run for the suggestion `first` answered at `at`. */
    start(at: CursorText, first: string, limit: number, generate: (signal: AbortSignal) => Promise<string[]>,
          finish: (texts: string[]) => string[]) {
        const controller = new AbortController();
        const run: Run = {at, first, controller, finished: false, candidates: [first], done: Promise.resolve([])};
        this.counts.candidateRuns++;
        run.done = generate(controller.signal).then((raw) => finish(raw), () => []).then((extras) => {
            run.candidates = distinctCandidates([first, ...extras]).slice(0, limit);
            this.counts.extraCandidates += run.candidates.length - 1;
            run.finished = true;
            return run.candidates;
        });
        this.run = run;
        return run.done;
    }

    /**
     * Candidates for this spot: all of them for the spot the first suggestion was made at (waiting for the background
     * run when `wait`), or the rest of each candidate the user has typed the start of. Undefined when there are not
     * several.
     */
    async lookup(at: CursorText, wait: boolean): Promise<{completions: string[]; typedAhead: boolean} | undefined> {
        const run = this.run;
        if (!run || run.forgotten || run.at.uri !== at.uri || !(wait || run.finished)) return undefined;
        const sameSpot = run.at.prefix === at.prefix && run.at.suffix === at.suffix;
        if (!sameSpot && !run.finished) return undefined;
        const all = await run.done;
        if (this.run !== run || run.forgotten) return undefined;
        const key = {uri: run.at.uri, prefixLength: run.at.prefix.length, prefixTail: run.at.prefix.slice(-1000), suffixHead: run.at.suffix.slice(0, 400)};
        const found = sameSpot ? all : all.map((c) => typedAheadRest({...key, completion: c}, at)).filter((c): c is string => !!c);
        const distinct = distinctCandidates(found);
        return distinct.length > 1 ? {completions: distinct, typedAhead: !sameSpot} : undefined;
    }

    /** Aborts the background run, if any, and waits until it has stopped using the model. */
    async abort() {
        const run = this.run;
        if (!run || run.finished) return;
        if (!run.controller.signal.aborted) {
            this.counts.candidateRunsAborted++;
            run.controller.abort();
        }
        await run.done;
    }

    /**
     * The document changed: a background run for a spot in it is stale. Stopped at once, so that the next request,
     * which comes after the client's debounce, finds the model free instead of waiting for the run's current token.
     */
    abortFor(uri: string) {
        if (this.run && !this.run.finished && this.run.at.uri === uri) void this.abort();
    }

    get running() {
        return !!this.run && !this.run.finished;
    }

    /** Forgets the candidates (of `uri`, or all). A run still generating is aborted but kept, so abort() waits for it. */
    clear(uri?: string) {
        const run = this.run;
        if (!run || (uri && run.at.uri !== uri)) return;
        run.controller.abort();
        run.forgotten = true;
    }
}

/**
 * Drops empty candidates and near-duplicates: the same text up to whitespace, or one that only adds closing
 * brackets, punctuation or whitespace to an earlier one. Order is kept.
 */
export function distinctCandidates(candidates: string[]): string[] {
    const kept: string[] = [];
    const keys: string[] = [];
    for (const c of candidates) {
        const key = c.replace(/\s+/g, " ").trim();
        if (!key) continue;
        if (keys.some((k) => k === key || trivialExtension(k, key) || trivialExtension(key, k))) continue;
        kept.push(c);
        keys.push(key);
    }
    return kept;
}

function trivialExtension(shorter: string, longer: string) {
    return longer.startsWith(shorter) && /^[\s)\]};,.]*$/.test(longer.slice(shorter.length));
}
