// The one sanitiser of settings: merges what initializationOptions and workspace/didChangeConfiguration bring over
// the current settings (the defaults at first, protocol/configuration.ts), keeping a value only when it has the right
// type and range, then lowers every number to its bound from what this machine and the runtime allow. Accepts both
// the flat shape our extension sends and the `{gemmaCode: {...}}` shape generic LSP clients send.
// Bounds: settings come from any client (or a hand-edited settings.json): `threads: 100000` would start thousands of
// threads, a context of 10^9 tokens would grow memory without end, and a timer of more than 2^31-1 ms fires at once in
// Node. A value over its bound is lowered to it, and the log says so once per change.
import os from "node:os";
import {defaultServerSettings, InitializationOptions, PromptStyle, ServerSettings} from "../protocol/lsp";
import type {Logger} from "./log";
import {normalizeLanguageTag} from "./tasks/language";

/** Every prompt style there is: any other value (a typo, "bogus") keeps the previous one. */
const PROMPT_STYLES: readonly PromptStyle[] = ["auto", "gemma-chat", "continuation", "fim-codegemma", "fim-qwen", "fim-starcoder",
    "fim-deepseek", "fim-codestral"];

type Partial2<T> = {[K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K]};

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
    {setting: "completion.maxTokens", get: (s) => s.completion.maxTokens, set: (s, v) => (s.completion.maxTokens = v),
        max: () => 1024, why: "the longest suggestion there is"},
    {setting: "completion.draftMaxTokens", get: (s) => s.completion.draftMaxTokens, set: (s, v) => (s.completion.draftMaxTokens = v),
        max: () => 64, why: "the longest draft worth checking in one batch"},
    {setting: "completion.candidates", get: (s) => s.completion.candidates, set: (s, v) => (s.completion.candidates = v),
        max: () => 5, why: "the most candidates one spot gets"},
    {setting: "completion.debounceMs", get: (s) => s.completion.debounceMs, set: (s, v) => (s.completion.debounceMs = v),
        max: () => 2000, why: "a wait after which nobody is still typing"},
    {setting: "chat.maxTokens", get: (s) => s.chat.maxTokens, set: (s, v) => (s.chat.maxTokens = v), max: () => 8192,
        why: "the longest reply there is"},
    {setting: "review.maxLines", get: (s) => s.review.maxLines, set: (s, v) => (s.review.maxLines = v), max: () => 100_000,
        why: "one review of more lines would take hours"}
];

export function machineLimits(): MachineLimits {
    return {cores: Math.max(1, os.availableParallelism())};
}

/**
 * `incoming` over `base`: each value of the right type and range replaces the base's; then every number within its
 * bound, with one sentence per value that was lowered.
 */
export function sanitiseSettings(base: ServerSettings, incoming: unknown, machine: MachineLimits = machineLimits()):
    {settings: ServerSettings; notes: string[]} {
    return withinBounds(merged(base, incoming), machine);
}

/** sanitiseSettings without the notes. */
export function mergeSettings(base: ServerSettings, incoming: unknown): ServerSettings {
    return sanitiseSettings(base, incoming).settings;
}

/** sanitiseSettings, with its notes in the log. */
export function applyIncomingSettings(base: ServerSettings, incoming: unknown, log: Logger): ServerSettings {
    const {settings, notes} = sanitiseSettings(base, incoming);
    for (const note of notes) log.warn(note);
    return settings;
}

function merged(base: ServerSettings, incoming: unknown): ServerSettings {
    const source = pickSettingsObject(incoming);
    if (!source) return base;
    const next: ServerSettings = {...base, completion: {...base.completion}, chat: {...base.chat}, review: {...base.review},
        remote: {...base.remote}};
    if (source.engine === "local" || source.engine === "remote") next.engine = source.engine;
    const r = source.remote;
    if (r && typeof r === "object") {
        if (typeof r.endpoint === "string") next.remote.endpoint = r.endpoint.trim();
        if (typeof r.model === "string") next.remote.model = r.model.trim();
        if (typeof r.apiKey === "string") next.remote.apiKey = r.apiKey.trim();
        if (typeof r.tlsVerify === "boolean") next.remote.tlsVerify = r.tlsVerify;
        if (isNonNegativeInt(r.timeoutMs) && r.timeoutMs >= 100) next.remote.timeoutMs = r.timeoutMs;
    }
    if (typeof source.modelPath === "string") next.modelPath = source.modelPath.trim();
    // "auto" (a client that does not resolve it) and "" mean English; a malformed tag keeps the previous one.
    if (source.responseLanguage === "" || source.responseLanguage === "auto") next.responseLanguage = "";
    else if (normalizeLanguageTag(source.responseLanguage)) next.responseLanguage = normalizeLanguageTag(source.responseLanguage)!;
    if (source.gpu && ["auto", "cuda", "vulkan", "metal", "cpu"].includes(source.gpu)) next.gpu = source.gpu;
    if (isNonNegativeInt(source.contextSize)) next.contextSize = source.contextSize;
    if (isNonNegativeInt(source.threads)) next.threads = source.threads;
    if (isNonNegativeInt(source.readyTimeoutMs)) next.readyTimeoutMs = source.readyTimeoutMs;
    if (typeof source.unloadAfterMinutes === "number" && source.unloadAfterMinutes >= 0) next.unloadAfterMinutes = source.unloadAfterMinutes;
    if (source.review && isNonNegativeInt(source.review.maxLines) && source.review.maxLines > 0) next.review.maxLines = source.review.maxLines;
    if (source.chat && isNonNegativeInt(source.chat.maxTokens) && source.chat.maxTokens > 0) next.chat.maxTokens = source.chat.maxTokens;
    const c = source.completion;
    if (c && typeof c === "object") {
        if (typeof c.enabled === "boolean") next.completion.enabled = c.enabled;
        if (isNonNegativeInt(c.maxTokens) && c.maxTokens > 0) next.completion.maxTokens = c.maxTokens;
        if (isNonNegativeInt(c.promptTokens) && c.promptTokens >= 64) next.completion.promptTokens = c.promptTokens;
        if (PROMPT_STYLES.includes(c.promptStyle as PromptStyle)) next.completion.promptStyle = c.promptStyle as PromptStyle;
        if (typeof c.draftModelPath === "string") next.completion.draftModelPath = c.draftModelPath.trim();
        if (isNonNegativeInt(c.draftMaxTokens) && c.draftMaxTokens > 0) next.completion.draftMaxTokens = c.draftMaxTokens;
        if (isNonNegativeInt(c.candidates) && c.candidates > 0) next.completion.candidates = c.candidates;
        if (isNonNegativeInt(c.debounceMs)) next.completion.debounceMs = c.debounceMs;
        if (typeof c.draftMinConfidence === "number" && c.draftMinConfidence >= 0 && c.draftMinConfidence <= 1) {
            next.completion.draftMinConfidence = c.draftMinConfidence;
        }
        if (c.promptLookup === "auto" || c.promptLookup === "on" || c.promptLookup === "off") next.completion.promptLookup = c.promptLookup;
    }
    return next;
}

/** The settings of initializationOptions over the defaults; the bounds' notes go into `notes`. */
export function settingsFromInitializationOptions(options: unknown, notes: string[] = []): ServerSettings {
    const init = (options ?? {}) as InitializationOptions;
    let settings = merged(defaultServerSettings, init.gemmaCode);
    settings = merged(settings, init.settings);
    if (typeof init.modelPath === "string") settings = {...settings, modelPath: init.modelPath};
    const bounded = withinBounds(settings, machineLimits());
    notes.push(...bounded.notes);
    return bounded.settings;
}

function withinBounds(settings: ServerSettings, machine: MachineLimits): {settings: ServerSettings; notes: string[]} {
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

function pickSettingsObject(incoming: unknown): Partial2<ServerSettings> | undefined {
    if (!incoming || typeof incoming !== "object") return undefined;
    const o = incoming as Record<string, unknown>;
    if (o.gemmaCode && typeof o.gemmaCode === "object") return o.gemmaCode as Partial2<ServerSettings>;
    return o as Partial2<ServerSettings>;
}

function isNonNegativeInt(v: unknown): v is number {
    return typeof v === "number" && Number.isInteger(v) && v >= 0;
}
