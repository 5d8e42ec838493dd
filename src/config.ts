// The one place that reads Gemma Code's settings (after rust-analyzer's editors/code/src/config.ts). Names, defaults
// and scopes are package.json's "contributes.configuration" only: VS Code fills in the defaults from it, and
// protocol/configuration.ts lists which settings the server reads and which choose the server process. Nothing
// here declares a default; the server sanitises every value (language-server/settings.ts).
import * as vscode from "vscode";
import {
    type ClientSettingKey, contributedDefault, RESTART_SETTING_KEYS, SECTION, SERVER_SETTING_KEYS, setByKey
} from "../protocol/configuration";
import {defaultServerSettings, ServerSettings} from "../protocol/lsp";
import {DEFAULT_REGISTRY} from "./backend/npmRegistry";

export {SECTION};

export interface ClientSettings {
    /** Per-language switch, like Copilot's: {"*": true, "markdown": false}. */
    enableByLanguage: Record<string, boolean>;
}

function section() {
    return vscode.workspace.getConfiguration(SECTION);
}

/** A setting only the extension reads, with package.json's default. */
function clientSetting<T>(key: ClientSettingKey): T {
    return section().get<T>(key) as T;
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
    // What is not a setting (timeouts, draft tuning) keeps the server's default; the rest is read as the user has it.
    const settings = structuredClone(defaultServerSettings);
    for (const key of SERVER_SETTING_KEYS) setByKey(settings, key, c.get(key));
    // engine, remote.*, modelPath and draftModelPath are machine-scoped in package.json: a cloned repository's
    // .vscode/settings.json cannot send your code to another server or make the server load another file.
    settings.engine = settings.engine === "remote" ? "remote" : "local";
    settings.remote.apiKey = remoteApiKey;
    settings.remote.endpoint = String(settings.remote.endpoint ?? "").trim();
    settings.remote.model = String(settings.remote.model ?? "").trim();
    settings.modelPath = expandHome(String(settings.modelPath ?? "").trim());
    settings.completion.draftModelPath = expandHome(String(settings.completion.draftModelPath ?? "").trim());
    // "auto": the editor's display language (what vscode.l10n chose the UI's bundle by); the server gets a tag.
    settings.responseLanguage = resolveResponseLanguage(settings.responseLanguage);
    return settings;
}

/** Whether a configuration change may need another server process (see RESTART_SETTING_KEYS). */
export function affectsServerProcess(e: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_SETTING_KEYS.some((key) => e.affectsConfiguration(`${SECTION}.${key}`));
}

/** Where GPU backends are downloaded from: an npm registry or a mirror of it (machine-scoped in package.json). */
export function gpuBackendRegistry(): string {
    return (clientSetting<string>("gpuBackend.registry") ?? "").trim() || DEFAULT_REGISTRY;
}

/** Whether the window uses the shared host (machine-scoped; see README "Several VS Code windows"). */
export function sharedServerSetting(): boolean {
    return clientSetting<boolean>("server.shared");
}

export function clientSettings(): ClientSettings {
    return {enableByLanguage: clientSetting<Record<string, boolean>>("completion.enable") ?? {}};
}

export function completionEnabledFor(languageId: string, settings = clientSettings()): boolean {
    const map = settings.enableByLanguage;
    return map[languageId] ?? map["*"] ?? true;
}

/** Settings whose change needs the server to be told (all of them live under the section). */
export function onDidChange(listener: (e: vscode.ConfigurationChangeEvent) => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) listener(e);
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
    const defaultModel = String(contributedDefault("download.model"));
    const model = (clientSetting<string>("download.model") ?? "").trim() || defaultModel;
    return {model, endpoint: (clientSetting<string>("download.endpoint") ?? "").trim(), modelIsDefault: model === defaultModel};
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
