// Probing an inference server: GET /health, /v1/models, /props (llama-server only) and POST /tokenize tell what
// kind of server it is, which model it serves, how big its context is and how many characters a token holds.
import {architectureFromName, type ModelIdentity} from "../modelFamily";
import type {Logger} from "../../log";
import * as l10n from "../../l10n";
import {displayOrigin, HttpTarget, RemoteError, requestJson, sleep, statusError} from "./http";

export type ServerKind = "llama-server" | "openai-compatible";

/** What a probe learned about the server. */
export interface ServerInfo {
    kind: ServerKind;
    /** Sent as `model` with every request. */
    requestModel: string;
    /** Shown to the user. */
    displayName: string;
    contextSize: number;
    identity: ModelIdentity;
    /** Characters per token, measured with the server's tokenizer when it has a /tokenize endpoint. */
    charsPerToken: number;
    models: string[];
    /** llama-server: the BOS token's text, stripped from a rendered chat prompt (the server adds BOS itself). */
    bosToken?: string;
}

const DEFAULT_CONTEXT = 8192;
const PROBE_TIMEOUT_MS = 5000;

interface ModelsBody {
    data?: {id?: string; max_model_len?: number; meta?: {n_ctx_train?: number}}[];
}
interface PropsBody {
    default_generation_settings?: {n_ctx?: number};
    bos_token?: string;
    total_slots?: number;
    model_path?: string;
    model_alias?: string;
    chat_template?: string;
}

/** A turn marker of a chat template: ChatML's `<|im_start|>`, Llama 3's `<|start_header_id|>`, Gemma's `<start_of_turn>`. */
const TURN_MARKER = /<\|[A-Za-z_]{2,30}\|>|<start_of_turn>/;

/**
 * Whether llama-server's chat template is one its model learned. For a GGUF without a template, llama-server falls
 * back to ChatML: /props reports a ChatML template and /apply-template renders `<|im_start|>user…` (measured with
 * the Gemma 3 270M base model, whose replies to that then repeat the question and the markers). A model trained on
 * a template has its turn markers as single tokens of its vocabulary; Gemma's splits `<|im_start|>` into 6 pieces.
 * So: no template, or a template whose first turn marker is not one token, is not learned. A template without such
 * a marker, or a server whose /tokenize does not answer, is taken as learned (the chat endpoint, as before).
 */
async function templateLearned(target: HttpTarget, template: string | undefined, options: {signal: AbortSignal; timeoutMs: number; retries: number},
                               log: Logger): Promise<boolean> {
    if (typeof template !== "string" || !template) return false;
    const marker = TURN_MARKER.exec(template)?.[0];
    if (!marker) return true;
    try {
        const tokenized = await requestJson<{tokens?: unknown[]}>(target, "POST", "/tokenize", {content: marker, add_special: false, parse_special: true}, options);
        const count = tokenized.body?.tokens?.length;
        if (tokenized.status !== 200 || !count) return true;
        if (count > 1) {
            log.info(`remote: the server's chat template uses ${marker}, which is ${count} tokens for this model, not one: the model has `
                + "no template of its own (a base model); chat, explain and review send it a plain transcript");
        }
        return count === 1;
    } catch (error) {
        log.debug(`remote: could not tokenize ${marker} (${(error as Error).message}); taking the chat template as the model's`);
        return true;
    }
}

/** Code and prose in the proportions a completion prompt has, to measure characters per token. */
const TOKENIZER_SAMPLE = `export function parseConfig(text: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const line of text.split("\\n")) {
        const trimmed = line.trim();
        if (!trimmed || trimmed.startsWith("#")) continue; // comments and blank lines
        const [key, ...rest] = trimmed.split("=");
        result[key.trim()] = rest.join("=").trim();
    }
    return result;
}
def average(values):
    """Return the mean of values, or 0.0 for an empty list."""
    return sum(values) / len(values) if values else 0.0
You complete code. Continue the file exactly where it stops, and reply with the missing code only.
`;

export async function probeServer(target: HttpTarget, configuredModel: string, signal: AbortSignal, retries: number,
                                  onProgress: (message: string) => void, log: Logger): Promise<ServerInfo> {
    const origin = displayOrigin(target.base);
    const options = {signal, timeoutMs: Math.min(target.timeoutMs, PROBE_TIMEOUT_MS), retries};

    // 1. /health: llama-server and vLLM have it (503 while llama-server loads its model); Ollama does not (404).
    for (let wait = 1000; ; wait = Math.min(wait * 2, 5000)) {
        const health = await requestJson<{status?: string}>(target, "GET", "/health", undefined, options);
        if (health.status !== 503) break;
        onProgress(l10n.t("The inference server at {0} is loading its model…", origin));
        await sleep(wait, signal);
        if (signal.aborted) throw new RemoteError("aborted", l10n.t("Replaced by new settings"));
    }

    // 2. /v1/models: the OpenAI API's model list (and the API key check: llama-server leaves /health open).
    const models = await requestJson<ModelsBody>(target, "GET", "/v1/models", undefined, options);
    if (models.status === 401 || models.status === 403) throw statusError(origin, models.status, models.text, "GET /v1/models");
    if (models.status !== 200 || !Array.isArray(models.body?.data)) {
        throw new RemoteError("protocol", models.status === 200
            ? l10n.t("{0} does not look like an OpenAI-compatible inference server: GET /v1/models answered HTTP {1} without a model list. Set gemmaCode.remote.endpoint to the server's base URL.", origin, models.status)
            : l10n.t("{0} does not look like an OpenAI-compatible inference server: GET /v1/models answered HTTP {1}. Set gemmaCode.remote.endpoint to the server's base URL.", origin, models.status),
        models.status);
    }
    const ids = models.body!.data!.map((m) => m.id).filter((id): id is string => typeof id === "string");

    // 3. /props: only llama-server has it, with its per-slot context size and the model's chat template.
    let props: PropsBody | undefined;
    const propsResponse = await requestJson<PropsBody>(target, "GET", "/props", undefined, options).catch(() => undefined);
    if (propsResponse?.status === 200 && propsResponse.body?.default_generation_settings) props = propsResponse.body;
    const kind: ServerKind = props ? "llama-server" : "openai-compatible";

    const requestModel = configuredModel || ids[0] || "default";
    const fileName = (p: string) => p.replace(/^.*[\\/]/, "").replace(/\.gguf$/i, "");
    const displayName = configuredModel || (props?.model_path ? fileName(props.model_path) : fileName(ids[0] ?? "model"));
    const first = models.body!.data!.find((m) => m.id === requestModel) ?? models.body!.data![0];
    const contextSize = props?.default_generation_settings?.n_ctx || first?.max_model_len || DEFAULT_CONTEXT;

    // 4. Characters per token from the server's tokenizer (llama-server's and vLLM's /tokenize), to fit prompts
    //    to the budget without a round trip per count. Without one: 3, on the safe side for code.
    let charsPerToken = 3;
    try {
        const body = kind === "llama-server" ? {content: TOKENIZER_SAMPLE, add_special: false}
            : {model: requestModel, prompt: TOKENIZER_SAMPLE, add_special_tokens: false};
        const tokenized = await requestJson<{tokens?: unknown[]; count?: number}>(target, "POST", "/tokenize", body, options);
        const count = tokenized.body?.count ?? tokenized.body?.tokens?.length;
        if (tokenized.status === 200 && count && count > 0) charsPerToken = TOKENIZER_SAMPLE.length / count;
    } catch (error) {
        log.debug(`remote: no /tokenize (${(error as Error).message}); estimating 3 characters per token`);
    }

    // 5. An OpenAI-compatible server that serves chat has a template; llama-server reports one for every model.
    const hasChatTemplate = props ? await templateLearned(target, props.chat_template, options, log) : true;

    const name = `${displayName} ${requestModel}`;
    const identity: ModelIdentity = {architecture: architectureFromName(name), name: displayName, basename: requestModel, hasChatTemplate};
    return {kind, requestModel, displayName, contextSize, identity, charsPerToken, models: ids, bosToken: props?.bos_token};
}
