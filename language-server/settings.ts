// Merges settings from initializationOptions and workspace/didChangeConfiguration over the defaults. Accepts
// both the flat shape our extension sends and the `{gemmaCode: {...}}` shape generic LSP clients send.
import {defaultServerSettings, InitializationOptions, PromptStyle, ServerSettings} from "../protocol/lsp";
import {normalizeLanguageTag} from "./tasks/language";

/** Every prompt style there is: any other value (a typo, "bogus") keeps the previous one. */
const PROMPT_STYLES: readonly PromptStyle[] = ["auto", "gemma-chat", "continuation", "fim-codegemma", "fim-qwen", "fim-starcoder",
    "fim-deepseek", "fim-codestral"];

type Partial2<T> = {[K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K]};

export function mergeSettings(base: ServerSettings, incoming: unknown): ServerSettings {
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
    if (source.chat && isNonNegativeInt(source.chat.maxTokens) && source.chat.maxTokens > 0) next.chat.maxTokens = Math.min(source.chat.maxTokens, 8192);
    const c = source.completion;
    if (c && typeof c === "object") {
        if (typeof c.enabled === "boolean") next.completion.enabled = c.enabled;
        if (isNonNegativeInt(c.maxTokens) && c.maxTokens > 0) next.completion.maxTokens = Math.min(c.maxTokens, 1024);
        if (isNonNegativeInt(c.promptTokens) && c.promptTokens >= 64) next.completion.promptTokens = c.promptTokens;
        if (PROMPT_STYLES.includes(c.promptStyle as PromptStyle)) next.completion.promptStyle = c.promptStyle as PromptStyle;
        if (typeof c.draftModelPath === "string") next.completion.draftModelPath = c.draftModelPath.trim();
        if (isNonNegativeInt(c.draftMaxTokens) && c.draftMaxTokens > 0) next.completion.draftMaxTokens = Math.min(c.draftMaxTokens, 64);
        if (isNonNegativeInt(c.candidates) && c.candidates > 0) next.completion.candidates = Math.min(c.candidates, 5);
        if (typeof c.draftMinConfidence === "number" && c.draftMinConfidence >= 0 && c.draftMinConfidence <= 1) {
            next.completion.draftMinConfidence = c.draftMinConfidence;
        }
        if (c.promptLookup === "auto" || c.promptLookup === "on" || c.promptLookup === "off") next.completion.promptLookup = c.promptLookup;
    }
    return next;
}

export function settingsFromInitializationOptions(options: unknown): ServerSettings {
    const init = (options ?? {}) as InitializationOptions;
    let settings = mergeSettings(defaultServerSettings, init.gemmaCode);
    settings = mergeSettings(settings, init.settings);
    if (typeof init.modelPath === "string") settings = {...settings, modelPath: init.modelPath};
    return settings;
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
