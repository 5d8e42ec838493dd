// The one place that reads Gemma Code's settings. Everything else asks this module, so setting names, defaults
// and scopes live here and in package.json's "contributes.configuration" only.
import * as vscode from "vscode";
import {defaultServerSettings, EngineKind, GpuSetting, PromptLookupSetting, PromptStyle, ServerSettings} from "../protocol/lsp";
import {DEFAULT_REGISTRY} from "./backend/npmRegistry";
import {DEFAULT_MODEL_URI} from "./model/recommend";

export const SECTION = "gemmaCode";

export interface ClientSettings {
    /** Base debounce before asking for a completion; the adaptive debounce starts from it. */
    debounceMs: number;
    /** Per-language switch, like Copilot's: {"*": true, "markdown": false}. */
    enableByLanguage: Record<string, boolean>;
}

function section() {
    return vscode.workspace.getConfiguration(SECTION);
}

/** The SecretStorage key of the remote engine's API key (never a setting: settings files get shared and synced). */
export const REMOTE_API_KEY_SECRET = "gemmaCode.remote.apiKey";
let remoteApiKey = "";

/** Reads the API key from SecretStorage into memory (serverSettings() is synchronous); call before starting the client. */
export async function loadRemoteApiKey(secrets: vscode.SecretStorage): Promise<void> {
    remoteApiKey = (await secrets.get(REMOTE_API_KEY_SECRET).then((k) => k, () => undefined)) ?? "";
}

/** Stores (or with "" deletes) the API key. */
export async function storeRemoteApiKey(secrets: vscode.SecretStorage, key: string): Promise<void> {
    if (key) await secrets.store(REMOTE_API_KEY_SECRET, key);
    else await secrets.delete(REMOTE_API_KEY_SECRET);
    remoteApiKey = key;
}

/** Replaces the API key in text bound for a log (the LSP trace shows initializationOptions and settings). */
export function redactApiKey(text: string): string {
    return remoteApiKey ? text.split(remoteApiKey).join("***") : text;
}

/** The settings the language server needs (sent in initializationOptions and on every change). */
export function serverSettings(): ServerSettings {
    const c = section();
    const d = defaultServerSettings;
    return {
        // Machine-scoped in package.json: a workspace cannot send your code to another server.
        engine: c.get<EngineKind>("engine", d.engine) === "remote" ? "remote" : "local",
        remote: {
            endpoint: c.get<string>("remote.endpoint", d.remote.endpoint).trim(),
            model: c.get<string>("remote.model", d.remote.model).trim(),
            apiKey: remoteApiKey,
            tlsVerify: c.get<boolean>("remote.tlsVerify", d.remote.tlsVerify),
            timeoutMs: d.remote.timeoutMs
        },
        // Machine-scoped in package.json: a cloned repository's .vscode/settings.json cannot point it elsewhere.
        modelPath: expandHome(c.get<string>("modelPath", d.modelPath).trim()),
        gpu: c.get<GpuSetting>("gpu", d.gpu),
        contextSize: c.get<number>("contextSize", d.contextSize),
        threads: c.get<number>("threads", d.threads),
        readyTimeoutMs: d.readyTimeoutMs,
        unloadAfterMinutes: c.get<number>("unloadAfterMinutes", d.unloadAfterMinutes),
        // "auto": the editor's display language (what vscode.l10n chose the UI's bundle by).
        responseLanguage: resolveResponseLanguage(c.get<string>("responseLanguage", "auto")),
        chat: {maxTokens: c.get<number>("chat.maxTokens", d.chat.maxTokens)},
        review: {maxLines: c.get<number>("review.maxLines", d.review.maxLines)},
        completion: {
            enabled: true,
            maxTokens: c.get<number>("completion.maxTokens", d.completion.maxTokens),
            promptTokens: c.get<number>("completion.promptTokens", d.completion.promptTokens),
            promptStyle: c.get<PromptStyle>("completion.promptStyle", d.completion.promptStyle),
            // Machine-scoped in package.json, like modelPath: it chooses a file to load.
            draftModelPath: expandHome(c.get<string>("completion.draftModelPath", d.completion.draftModelPath).trim()),
            draftMaxTokens: d.completion.draftMaxTokens,
            draftMinConfidence: d.completion.draftMinConfidence,
            promptLookup: c.get<PromptLookupSetting>("completion.promptLookup", d.completion.promptLookup),
            candidates: c.get<number>("completion.candidates", d.completion.candidates)
        }
    };
}

/** Where GPU backends are downloaded from: an npm registry or a mirror of it (machine-scoped in package.json). */
export function gpuBackendRegistry(): string {
    return section().get<string>("gpuBackend.registry", "").trim() || DEFAULT_REGISTRY;
}

export function clientSettings(): ClientSettings {
    const c = section();
    return {
        debounceMs: c.get<number>("completion.debounceMs", 150),
        enableByLanguage: c.get<Record<string, boolean>>("completion.enable", {"*": true})
    };
}

export function completionEnabledFor(languageId: string, settings = clientSettings()): boolean {
    const map = settings.enableByLanguage;
    return map[languageId] ?? map["*"] ?? true;
}

/** Settings whose change needs the server to be told (all of them live under the section). */
export function onDidChange(listener: () => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) listener();
    });
}

export interface DownloadSettings {
    /** What "Download Gemma 2 9B" fetches: an `hf:` URI or an https:// URL of a GGUF file. */
    model: string;
    /** Base URL of a Hugging Face mirror or proxy; empty = huggingface.co. */
    endpoint: string;
    /** True while `model` is the default, so the offer may pick a quant that suits this machine instead. */
    modelIsDefault: boolean;
}

/** Model download settings; machine-scoped in package.json, so a workspace cannot redirect a download. */
export function downloadSettings(): DownloadSettings {
    const c = section();
    const model = c.get<string>("download.model", DEFAULT_MODEL_URI).trim() || DEFAULT_MODEL_URI;
    return {model, endpoint: c.get<string>("download.endpoint", "").trim(), modelIsDefault: model === DEFAULT_MODEL_URI};
}

/** Stores the model path in the user's (machine-wide) settings, never in the workspace. */
export async function setModelPath(path: string) {
    await section().update("modelPath", path, vscode.ConfigurationTarget.Global);
}

function expandHome(p: string) {
    return p.startsWith("~/") ? `${process.env.HOME ?? ""}${p.slice(1)}` : p;
}

/** gemmaCode.responseLanguage as the server takes it: "auto" → VS Code's display language, else the tag as set. */
export function resolveResponseLanguage(value: string | undefined, displayLanguage = vscode.env.language): string {
    const v = (value ?? "auto").trim();
    return v === "" || v === "auto" ? displayLanguage : v;
}
