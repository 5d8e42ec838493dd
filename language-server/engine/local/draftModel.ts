// Speculative decoding for completions: a small draft model with the main model's vocabulary proposes tokens that
// the main model checks in one batch (drafter.ts drafts, generator.ts checks).
// The draft can only make completions faster, never different, so anything wrong with it is logged and reported in
// the server state, and completions go on without it.
import * as l10n from "../../l10n";
import path from "node:path";
import type {Llama, LlamaContext, LlamaModel} from "node-llama-cpp";
import type {DraftState, ServerSettings} from "../../../protocol/lsp";
import type {Logger} from "../../log";
import {Drafter} from "./drafter";
import {flashAttentionFor} from "./flashAttention";
import {explainLoadError, precheckModelFile} from "./loadErrors";

export const DRAFT_SETTING = "gemmaCode.completion.draftModelPath";
/** llama.cpp's limit for drafts (SPEC_VOCAB_MAX_SIZE_DIFFERENCE): some families pad the vocabulary of larger models. */
const MAX_VOCAB_SIZE_DIFFERENCE = 128;
/** Completion prompts are ~1.5k tokens by default; the draft only needs to see what the completion sequence holds. */
const MAX_DRAFT_CONTEXT = 4096;

export interface DraftModel {
    model: LlamaModel;
    context: LlamaContext;
    drafter: Drafter;
    state: DraftState;
}

/** What two models must agree on for one to draft for the other. */
export interface VocabularyView {
    type: string;
    /** Token texts by id, from the GGUF metadata; undefined when the file has none. */
    tokens: readonly string[] | undefined;
    bos: number | null;
    eos: number | null;
    addBos: boolean | undefined;
}

export function vocabularyOf(model: LlamaModel): VocabularyView {
    const ggml = model.fileInfo.metadata?.tokenizer?.ggml;
    return {
        type: String(model.vocabularyType),
        tokens: Array.isArray(ggml?.tokens) ? ggml.tokens : undefined,
        bos: model.tokens.bos, eos: model.tokens.eos,
        addBos: ggml?.add_bos_token
    };
}

/** Why `draft` cannot draft for `main`, or undefined when it can (the rules llama.cpp applies to draft models). */
export function vocabularyMismatch(main: VocabularyView, draft: VocabularyView): string | undefined {
    if (main.type !== draft.type) return `its tokenizer type is ${draft.type}, the main model's is ${main.type}`;
    if (!main.tokens || !draft.tokens) return "its vocabulary cannot be compared (no token list in the GGUF metadata)";
    const diff = Math.abs(main.tokens.length - draft.tokens.length);
    if (diff > MAX_VOCAB_SIZE_DIFFERENCE) {
        return `its vocabulary has ${draft.tokens.length} tokens, the main model's ${main.tokens.length}`;
    }
    if (main.bos !== draft.bos || main.eos !== draft.eos || main.addBos !== draft.addBos) {
        return `its special tokens differ (bos ${draft.bos}, eos ${draft.eos}; the main model: bos ${main.bos}, eos ${main.eos})`;
    }
    const common = Math.min(main.tokens.length, draft.tokens.length);
    for (let id = 0; id < common; id++) {
        if (main.tokens[id] !== draft.tokens[id]) {
            return `token ${id} is ${JSON.stringify(draft.tokens[id])} in it but ${JSON.stringify(main.tokens[id])} in the main model`;
        }
    }
    return undefined;
}

export interface DraftLoadHooks {
    log: Logger;
    /** llama.cpp's recent log lines, which hold the reason for a failed load. */
    recentLog: readonly string[];
    /** Waits (briefly) until llama.cpp's error lines for a failed load have arrived. */
    logsDelivered: () => Promise<void>;
}

/**
 * Loads the draft model next to `main` on the same backend, checks that it can draft for it, and makes the predictor
 * for the completion sequence. Never throws: a draft that cannot be used comes back as an "error" state.
 */
export async function loadDraftModel(llama: Llama, main: LlamaModel, mainContext: LlamaContext,
                                     completion: ServerSettings["completion"], hooks: DraftLoadHooks): Promise<{draft?: DraftModel; state: DraftState}> {
    const modelPath = completion.draftModelPath;
    const fail = (reason: string, detail = "") => {
        const message = l10n.t("Draft model not used, completions run without speculative decoding: {0}", reason);
        hooks.log.warn(`${message}${detail ? `\n${detail}` : ""}`);
        return {state: {status: "error" as const, modelPath, message}};
    };
    const precheck = precheckModelFile(modelPath, DRAFT_SETTING);
    if (precheck) return fail(precheck.message, precheck.detail);

    let model: LlamaModel;
    try {
        model = await llama.loadModel({modelPath, gpuLayers: "auto"});
    } catch (error) {
        await hooks.logsDelivered();
        const explained = explainLoadError(modelPath, error, hooks.recentLog);
        return fail(explained.message, explained.detail);
    }
    const drop = async (reason: string, detail = "") => {
        await model.dispose().catch(() => undefined);
        return fail(reason, detail);
    };
    const mismatch = vocabularyMismatch(vocabularyOf(main), vocabularyOf(model));
    if (mismatch) return drop(l10n.t("{0} does not share the main model's vocabulary ({1}).", path.basename(modelPath), mismatch));
    const layers = model.fileInsights.totalLayers;
    // A draft that runs partly on the CPU is slower than a main model that runs wholly on the GPU.
    if (llama.gpu && model.gpuLayers < layers && main.gpuLayers >= main.fileInsights.totalLayers) {
        return drop(l10n.t("only {0} of its {1} layers fit on the GPU next to the main model.", model.gpuLayers, layers));
    }
    let context: LlamaContext;
    try {
        context = await model.createContext({
            contextSize: Math.min(mainContext.contextSize, MAX_DRAFT_CONTEXT),
            sequences: 1,
            flashAttention: flashAttentionFor(model),
            swaFullCache: true
        });
    } catch (error) {
        await hooks.logsDelivered();
        const explained = explainLoadError(modelPath, error, hooks.recentLog);
        return drop(explained.message, explained.detail);
    }
    const modelName = model.fileInfo.metadata?.general?.name ?? path.basename(modelPath, ".gguf");
    const state: DraftState = {
        status: "ready", modelPath, modelName, gpuLayers: model.gpuLayers, contextSize: context.contextSize,
        message: l10n.t("Speculative decoding with {0} ({1} of {2} layers on the GPU).", modelName, model.gpuLayers, layers)
    };
    hooks.log.info(`Draft model ready: ${modelName}, ${model.gpuLayers}/${layers} GPU layers, context ${context.contextSize}, `
        + `drafts of up to ${completion.draftMaxTokens} tokens, min confidence ${completion.draftMinConfidence}`);
    const drafter = new Drafter(context.getSequence(), {
        maxTokens: completion.draftMaxTokens, minConfidence: completion.draftMinConfidence,
        onError: (error) => hooks.log.warn(`Draft model ${modelName} failed, this completion goes on without drafts: ${error}`)
    });
    return {draft: {model, context, drafter, state}, state};
}

export async function disposeDraftModel(draft: DraftModel | undefined) {
    if (!draft) return;
    // No draft work outlives a generation, and generations have settled before a model is released (modelHost.ts).
    await draft.context.dispose().catch(() => undefined);
    await draft.model.dispose().catch(() => undefined);
}
