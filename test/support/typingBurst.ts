// What the fairness test and the shared-host benchmark measure: one window's isolated requests (time to
// suggestion at a new spot each time) while another window types, each keystroke cancelling its previous request
// as VS Code does.
import {CancellationTokenSource} from "vscode-jsonrpc/node";
import type {CancellationToken} from "vscode-jsonrpc";
import type {InlineCompletionList, Position} from "vscode-languageserver-protocol";
import {endOf} from "./lspClient";
import {median} from "../../bench/cliArgs";

/** TestLspClient (a server of its own) and HostClient (a window of the shared host) both fit. */
export interface EditorWindow {
    open(uri: string, text: string): Promise<void>;
    change(uri: string, text: string, version: number): Promise<void>;
    complete(uri: string, position: Position, token?: CancellationTokenSource | CancellationToken): Promise<InlineCompletionList | null>;
}

export const SAMPLE = "export function add(a: number, b: number): number {\n    return a + b;\n}\n\nexport function multiply(a: number, b: number) {\n    const result = ";

/**
 * Requests of `w` at `count` new spots of one document; their times in ms. gapMs: the time between one answer and
 * the next request (a person reading the suggestion, typing elsewhere), what makes each request isolated.
 */
export async function isolatedRequests(w: EditorWindow, uri: string, first: number, count: number, gapMs = 0): Promise<number[]> {
    const name = uri.replace(/^.*\//, "").replace(/\W/g, "_");
    const text = (i: number) => `${SAMPLE}a * b;\n}\n\nfunction ${name}${i}(x: number) {\n    return x + `;
    if (first === 0) await w.open(uri, text(0));
    const times: number[] = [];
    for (let i = first + 1; i <= first + count; i++) {
        await w.change(uri, text(i), i + 1);
        const t0 = performance.now();
        const r = await w.complete(uri, endOf(text(i)));
        if (!r || !Array.isArray(r.items)) throw new Error(`no answer: ${JSON.stringify(r)}`);
        times.push(performance.now() - t0);
        if (gapMs > 0 && i < first + count) await new Promise((r) => setTimeout(r, gapMs));
    }
    return times;
}

/**
 * Long generations, back to back, until stop(): each request is at a new spot that opens a block (multi-line, so
 * the window's whole completion.maxTokens applies). stop() resolves with how many ran and how long each took.
 */
export function generateUntilStopped(w: EditorWindow, uri: string) {
    let running = true;
    const text = (i: number) => `${SAMPLE}a * b;\n}\n\nexport function long${i}(items: number[]) {\n`;
    const done = (async () => {
        await w.open(uri, text(0));
        const times: number[] = [];
        for (let i = 1; running; i++) {
            await w.change(uri, text(i), i + 1);
            const t0 = performance.now();
            await w.complete(uri, endOf(text(i)));
            times.push(performance.now() - t0);
        }
        return times;
    })();
    return {stop: () => ((running = false), done)};
}

/** Types into `uri` every intervalMs until stop(), which resolves with the number of keystrokes. */
export function typeUntilStopped(w: EditorWindow, uri: string, intervalMs: number, cancelToken: (s: CancellationTokenSource) => unknown) {
    let typing = true;
    const done = (async () => {
        let text = SAMPLE;
        await w.open(uri, text);
        let version = 1;
        let previous: CancellationTokenSource | undefined;
        const pending: Promise<unknown>[] = [];
        while (typing) {
            text += "xyz"[version % 3];
            await w.change(uri, text, ++version);
            previous?.cancel();
            previous = new CancellationTokenSource();
            pending.push(w.complete(uri, endOf(text), cancelToken(previous) as CancellationToken).catch(() => undefined));
            await new Promise((r) => setTimeout(r, intervalMs));
        }
        previous?.cancel();
        await Promise.all(pending);
        return version - 1;
    })();
    return {stop: () => ((typing = false), done)};
}

/**
 * Window `b`'s isolated requests (a gap of 1.5x its own time between them: a person reading each suggestion), timed
 * alone before and after (so that drift on a noisy machine counts on both sides) and while `load` keeps another
 * window busy. Medians in ms; ratio = while busy / alone.
 */
export async function isolatedWhile<T>(b: EditorWindow, load: () => {stop(): Promise<T>}, uri = "file:///b/iso.ts") {
    const warm = await isolatedRequests(b, uri, 0, 3);
    const gapMs = Math.min(2500, Math.max(500, 1.5 * Math.max(...warm.slice(1))));
    const before = await isolatedRequests(b, uri, 3, 6, gapMs);
    const busy = load();
    const during = await isolatedRequests(b, uri, 9, 10, gapMs);
    const loadResult = await busy.stop();
    const alone = [...before, ...await isolatedRequests(b, uri, 19, 6, gapMs)];
    return {aloneMs: median(alone), duringMs: median(during), ratio: median(during) / median(alone), gapMs, load: loadResult};
}
