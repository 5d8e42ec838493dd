// Which settings there are, who reads them, and their defaults: package.json's contributes.configuration is the only
// place a default is written. The server's defaults (any LSP client that sends nothing gets them) are read from it
// here at build time (esbuild bundles only the `contributes` key), the VS Code extension gets the same defaults from
// VS Code, which reads package.json itself. A setting key is also its path in ServerSettings: "completion.maxTokens"
// is settings.completion.maxTokens. test/unit/configuration.test.ts checks that every contributed setting is listed
// here and that nothing else declares a default.
import {contributes} from "../package.json";
import type {ServerSettings} from "./settings";

/** The settings section: every key below is `gemmaCode.<key>` in settings.json. */
export const SECTION = "gemmaCode";

/** Settings the language server reads (sent in initializationOptions and workspace/didChangeConfiguration). */
export const SERVER_SETTING_KEYS = [
    "engine", "remote.endpoint", "remote.model", "remote.tlsVerify", "modelPath", "gpu", "contextSize", "threads",
    "unloadAfterMinutes", "chat.maxTokens", "review.maxLines", "completion.maxTokens", "completion.candidates",
    "completion.debounceMs", "completion.promptTokens", "completion.promptStyle", "completion.draftModelPath",
    "completion.promptLookup", "responseLanguage"
] as const;
export type ServerSettingKey = typeof SERVER_SETTING_KEYS[number];

/** Settings only the VS Code extension reads. */
export const CLIENT_SETTING_KEYS = ["completion.enable", "server.shared", "download.model", "download.endpoint",
    "gpuBackend.registry"] as const;
export type ClientSettingKey = typeof CLIENT_SETTING_KEYS[number];

/**
 * Settings that choose the server process rather than what it does: with the shared host, a change may move the
 * window to another host (src/client.ts reconnects when the host key changes); every other change is sent to the
 * running server, which applies it in place (a new model path reloads the model there).
 */
export const RESTART_SETTING_KEYS: readonly (ServerSettingKey | ClientSettingKey)[] = ["server.shared", "engine", "modelPath", "gpu",
    "contextSize", "threads", "completion.draftModelPath"];

type Contributed = Record<string, {default?: unknown}>;

/** The default package.json gives `gemmaCode.<key>`. */
export function contributedDefault(key: ServerSettingKey | ClientSettingKey): unknown {
    const property = (contributes.configuration.properties as Contributed)[`${SECTION}.${key}`];
    if (!property || !("default" in property)) throw new Error(`package.json has no default for ${SECTION}.${key}`);
    return structuredClone(property.default);
}

/** Sets `settings[a][b]` for the key "a.b". */
export function setByKey(settings: object, key: string, value: unknown) {
    const path = key.split(".");
    let target = settings as Record<string, unknown>;
    for (const part of path.slice(0, -1)) target = target[part] as Record<string, unknown>;
    target[path.at(-1)!] = value;
}

/** The server's defaults: package.json's for the settings, and here those of what is not a setting. */
function buildDefaults(): ServerSettings {
    const notSettings = {
        // apiKey comes from VS Code's secret storage; timeoutMs is not a setting (tests tune it).
        remote: {apiKey: "", timeoutMs: 30_000},
        // `enabled` is per language in the client; draftMaxTokens and draftMinConfidence are tuned by benchmarks and tests.
        completion: {enabled: true, draftMaxTokens: 16, draftMinConfidence: 0.6},
        chat: {},
        review: {},
        readyTimeoutMs: 120_000
    };
    const settings = notSettings as unknown as ServerSettings;
    for (const key of SERVER_SETTING_KEYS) setByKey(settings, key, contributedDefault(key));
    // "auto" is the editor's display language, which only a client knows (src/config.ts resolves it): a server that
    // is told nothing writes English.
    if (settings.responseLanguage === "auto") settings.responseLanguage = "";
    return settings;
}

export const defaultServerSettings: ServerSettings = buildDefaults();
