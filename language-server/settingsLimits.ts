// Upper bounds for every numeric setting, from what this machine and the runtime allow. Settings come from any
// client (or a hand-edited settings.json): `threads: 100000` would start thousands of threads, a context of 10^9
// tokens would grow memory without end, and a timer of more than 2^31-1 ms fires at once in Node. A value over its
// bound is lowered to it, and the log says so once per change.
import os from "node:os";
import type {ServerSettings} from "../protocol/lsp";
import type {Logger} from "./log";

/** Node's timers take at most 2^31-1 ms; a longer delay is replaced by 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The largest context any Gemma (or other supported) model is trained for; the model's own limit applies at load. */
export const MAX_CONTEXT_TOKENS = 131_072;

export interface MachineLimits {
    cores: number;
}

interface Bound {
    setting: string;
    get(s: ServerSettings): number;
    set(s: ServerSettings, v: number): void;
    max(m: MachineLimits): number;
    why: string;
}

const BOUNDS: Bound[] = [
    {setting: "threads", get: (s) => s.threads, set: (s, v) => (s.threads = v), max: (m) => m.cores,
        why: "the CPU cores this machine has"},
    {setting: "contextSize", get: (s) => s.contextSize, set: (s, v) => (s.contextSize = v), max: () => MAX_CONTEXT_TOKENS,
        why: "the longest context a supported model has"},
    {setting: "unloadAfterMinutes", get: (s) => s.unloadAfterMinutes, set: (s, v) => (s.unloadAfterMinutes = v),
        max: () => Math.floor(MAX_TIMER_MS / 60_000), why: "the longest timer Node.js can run"},
    {setting: "readyTimeoutMs", get: (s) => s.readyTimeoutMs, set: (s, v) => (s.readyTimeoutMs = v), max: () => MAX_TIMER_MS,
        why: "the longest timer Node.js can run"},
    {setting: "remote.timeoutMs", get: (s) => s.remote.timeoutMs, set: (s, v) => (s.remote.timeoutMs = v), max: () => 600_000,
        why: "ten minutes, longer than any healthy server takes to send a byte"},
    {setting: "completion.promptTokens", get: (s) => s.completion.promptTokens, set: (s, v) => (s.completion.promptTokens = v),
        max: () => 32_768, why: "a completion prompt longer than that only slows suggestions down"},
    {setting: "review.maxLines", get: (s) => s.review.maxLines, set: (s, v) => (s.review.maxLines = v), max: () => 100_000,
        why: "one review of more lines would take hours"}
];

export function machineLimits(): MachineLimits {
    return {cores: Math.max(1, os.availableParallelism())};
}

/** The settings with every number within its bound, and one sentence per value that was lowered. */
export function clampSettings(settings: ServerSettings, machine: MachineLimits = machineLimits()): {settings: ServerSettings; notes: string[]} {
    const next: ServerSettings = {...settings, remote: {...settings.remote}, completion: {...settings.completion},
        chat: {...settings.chat}, review: {...settings.review}};
    const notes: string[] = [];
    for (const bound of BOUNDS) {
        const value = bound.get(next);
        const max = bound.max(machine);
        if (!Number.isFinite(value) || value > max) {
            bound.set(next, max);
            notes.push(`gemmaCode.${bound.setting} = ${value} is more than ${bound.why} (${max}): using ${max}.`);
        }
    }
    return {settings: next, notes};
}

/** clampSettings, with its notes in the log. */
export function withinLimits(settings: ServerSettings, log: Logger): ServerSettings {
    const {settings: clamped, notes} = clampSettings(settings);
    for (const note of notes) log.warn(note);
    return clamped;
}
