// The one table of model-family knowledge: how to recognise a family (from the GGUF metadata or a server's model
// name), its completion prompt's template parts and fill-in-the-middle tokens, its stop strings, the control tokens
// that must never reach the editor, and Gemma's chat turns. The prompt builder (completion/prompt.ts), the
// postprocessor (completion/postprocess/specialTokens.ts), the local engine (local/localEngine.ts) and the remote
// engine (remote/probe.ts, remote/session.ts) all read it from here; features through engine.ts.
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

// ---- Recognising a family ----

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

/**
 * The architecture a server's model names suggest (a remote server does not send GGUF metadata). Only the family
 * matters (every gemma* architecture is prompted alike: Gemma 2 and 3).
 */
export function architectureFromName(name: string): string | undefined {
    return /gemma[-_ ]?3/i.test(name) ? "gemma3" : /gemma/i.test(name) ? "gemma2" : /starcoder2/i.test(name) ? "starcoder2" : undefined;
}

// ---- Prompt formats ----

/**
 * Gemma's chat wrapper, as the gemma-chat completion prompt writes it: a user turn, then the model's turn, which the
 * prompt prefills. Gemma has no system role: a system message is folded into the first user turn.
 */
export const GEMMA_TURNS = {
    userStart: "<start_of_turn>user\n",
    /** Ends the user's turn and opens the model's: one template part. */
    modelStart: "<end_of_turn>\n<start_of_turn>model\n",
    endOfTurn: "<end_of_turn>",
    systemRole: false
} as const;

/** Fill-in-the-middle tokens: the markers before the code before the cursor, after it, and where the model writes. */
export interface FimTokens {
    prefix: string;
    suffix: string;
    /** Absent for suffix-first formats that end with the prefix (Codestral). */
    middle?: string;
    /** Separates files in a repository-level prompt (Qwen2.5-Coder): each snippet, then the file, follow one. */
    fileSeparator?: string;
    /** "psm": prefix, suffix, middle; "spm": suffix first, so the prefix, which changes while typing, stays last. */
    order: "psm" | "spm";
}

export interface PromptFamily {
    fim?: FimTokens;
    /** Strings that end a completion when the model writes them (the postprocessor cuts them too). */
    stops: readonly string[];
}

/** Per prompt style: its tokens and stop strings (completion/prompt.ts lays out the parts). */
export const PROMPT_FAMILIES: Record<ResolvedPromptStyle, PromptFamily> = {
    "gemma-chat": {stops: ["```", GEMMA_TURNS.endOfTurn]},
    "continuation": {stops: []},
    "fim-codegemma": {
        fim: {prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", order: "psm"},
        stops: ["<|file_separator|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]
    },
    "fim-qwen": {
        fim: {prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>", fileSeparator: "<|file_sep|>", order: "psm"},
        stops: ["<|endoftext|>", "<|file_sep|>", "<|fim_prefix|>", "<|im_end|>"]
    },
    "fim-starcoder": {
        fim: {prefix: "<fim_prefix>", suffix: "<fim_suffix>", middle: "<fim_middle>", order: "psm"},
        stops: ["<|endoftext|>", "<file_sep>", "<fim_prefix>"]
    },
    "fim-deepseek": {
        fim: {prefix: "<｜fim▁begin｜>", suffix: "<｜fim▁hole｜>", middle: "<｜fim▁end｜>", order: "psm"},
        stops: ["<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<|EOT|>"]
    },
    "fim-codestral": {
        fim: {prefix: "[PREFIX]", suffix: "[SUFFIX]", order: "spm"},
        stops: ["</s>", "[SUFFIX]", "[PREFIX]"]
    }
};

// ---- Control tokens ----

/**
 * Control tokens of the model families we prompt (and of chat templates) that must never reach the editor, per
 * family. Gemma's own come first; the others leak when a user points the server at a different GGUF.
 */
export const SPECIAL_TOKENS: Record<string, readonly string[]> = {
    gemma: ["<end_of_turn>", "<start_of_turn>", "<eos>", "<bos>", "<|file_separator|>",
        "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"],
    "qwen, chatml, llama 3, phi": ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>",
        "<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>", "<|end|>"],
    // StarCoder (and chat models that echo the FIM markers as XML-ish tags)
    starcoder: ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<file_sep>",
        "</fim_prefix>", "</fim_suffix>", "</fim_middle>"],
    // DeepSeek Coder (full-width bars and U+2581)
    deepseek: ["<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>"],
    "codestral, mistral, codellama": ["<|EOT|>", "[SUFFIX]", "[PREFIX]", "[MIDDLE]", "[INST]", "[/INST]", "<EOT>"]
};

/**
 * Real tags in markup (`</s>` is strikethrough; XML may have any element), so stop signals only elsewhere:
 * Llama 2 / Mistral's end of sequence and StarCoder's metadata. (StarCoder's `<filename>` is left out
 * entirely: usage strings such as "usage: tool <filename>" are code.)
 */
export const CODE_ONLY_SPECIAL_TOKENS: readonly string[] = ["</s>", "<reponame>", "<gh_stars>"];

/**
 * Strings that look like control tokens, in the user's code: servers parse them as special tokens in a prompt
 * string (the local engine tokenizes code without parsing them), so a file containing "<end_of_turn>" could end the
 * prompt. A zero-width space after the "<" keeps them text.
 */
const SPECIAL_LIKE = /<(?=(?:start_of_turn|end_of_turn|bos|eos|pad|unk|mask|file_sep|fim_[a-z]+)>)|<(?=\|[a-z_]{2,30}\|>)|<(?=｜[^｜\n]{1,30}｜>)|\[(?=(?:SUFFIX|PREFIX|MIDDLE)\])/g;

export function defangSpecials(text: string): string {
    return text.replace(SPECIAL_LIKE, (m) => `${m}\u200b`);
}
