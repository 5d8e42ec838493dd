// Decides how to prompt a model for completion from its GGUF metadata.
//
// Gemma 2 (our default) and Gemma 3 (the test and demo model, architecture "gemma3") were not trained for
// fill-in-the-middle, although their vocabulary contains CodeGemma's FIM strings (so node-llama-cpp may report
// infill support). We therefore never decide from the FIM tokens alone: the family comes from the model's name and
// architecture first, and every gemma* architecture with a chat template gets the same turn format.
import type {PromptStyle} from "../../protocol/lsp";

export type ResolvedPromptStyle = Exclude<PromptStyle, "auto">;

export interface ModelIdentity {
    architecture?: string;
    name?: string;
    basename?: string;
    hasChatTemplate: boolean;
}

const BY_NAME: [RegExp, ResolvedPromptStyle][] = [
    [/codegemma/i, "fim-codegemma"],
    [/qwen[\d.]*[-_ ]?coder/i, "fim-qwen"],
    [/starcoder/i, "fim-starcoder"],
    [/deepseek[-_ ]?coder/i, "fim-deepseek"],
    [/codestral/i, "fim-codestral"]
];

export function resolvePromptStyle(identity: ModelIdentity, override: PromptStyle = "auto"): ResolvedPromptStyle {
    if (override !== "auto") return override;
    const names = `${identity.name ?? ""} ${identity.basename ?? ""}`;
    for (const [re, style] of BY_NAME) if (re.test(names)) return style;
    if (identity.architecture === "starcoder2") return "fim-starcoder";
    if (/^gemma/.test(identity.architecture ?? "") && identity.hasChatTemplate) return "gemma-chat";
    return "continuation";
}

/** The GGUF metadata fields that identify a model, read defensively (self-made files may lack any of them). */
export function identityFromMetadata(metadata: unknown): ModelIdentity {
    const m = (metadata ?? {}) as {general?: {architecture?: string; name?: string; basename?: string};
        tokenizer?: {chat_template?: string}};
    return {
        architecture: m.general?.architecture,
        name: m.general?.name,
        basename: m.general?.basename,
        hasChatTemplate: typeof m.tokenizer?.chat_template === "string" && m.tokenizer.chat_template.length > 0
    };
}
