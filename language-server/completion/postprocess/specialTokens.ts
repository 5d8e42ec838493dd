// Filter: special tokens. Cuts raw output at control tokens of every model family we prompt, at chat artefacts
// (markdown fences) and before a trailing fragment of a token; drops a last line that is only such a fragment.
import {BACKTICK, firstNonBlankLineStart, FULLWIDTH_PIPE, isBlankRange, isIdentChar, isSpace, LBRACKET, LT, NEWLINE,
    PIPE} from "./text";
import {type LanguageRules, rulesFor} from "./languages";

/**
 * Control tokens of the model families we prompt (and of chat templates) that must never reach the editor.
 * Gemma's own come first; the others leak when a user points the server at a different GGUF.
 */
export const STOP_TOKENS: readonly string[] = [
    // Gemma / CodeGemma
    "<end_of_turn>", "<start_of_turn>", "<eos>", "<bos>", "<|file_separator|>",
    "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>",
    // Qwen, ChatML, Llama 3, Phi
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>",
    "<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>", "<|end|>",
    // StarCoder (and chat models that echo the FIM markers as XML-ish tags)
    "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<file_sep>",
    "</fim_prefix>", "</fim_suffix>", "</fim_middle>",
    // DeepSeek Coder (full-width bars and U+2581)
    "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>",
    // Codestral / Mistral, CodeLlama
    "<|EOT|>", "[SUFFIX]", "[PREFIX]", "[MIDDLE]", "[INST]", "[/INST]", "<EOT>"
];

/**
 * Real tags in markup (`</s>` is strikethrough; XML may have any element), so stop signals only elsewhere:
 * Llama 2 / Mistral's end of sequence and StarCoder's metadata. (StarCoder's `<filename>` is left out
 * entirely: usage strings such as "usage: tool <filename>" are code.)
 */
export const CODE_ONLY_STOP_TOKENS: readonly string[] = ["</s>", "<reponame>", "<gh_stars>"];

export function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// An alternation of plain literals: no quantifiers, so matching is linear in the input.
export const STOP_RE_MARKUP = new RegExp(STOP_TOKENS.map(escapeRegExp).join("|"));

export const STOP_RE_CODE = new RegExp([...STOP_TOKENS, ...CODE_ONLY_STOP_TOKENS].map(escapeRegExp).join("|"));

export const ALL_STOP_TOKENS = [...STOP_TOKENS, ...CODE_ONLY_STOP_TOKENS];

export const LONGEST_STOP_TOKEN = Math.max(...ALL_STOP_TOKENS.map((t) => t.length));

/**
 * Cuts raw model output at the first special/control token or chat artefact:
 * - any STOP_TOKENS entry (Gemma, CodeGemma, Qwen, StarCoder, DeepSeek, Codestral, ChatML, Llama);
 * - a markdown fence line (``` at the start of a line, after optional indentation). An opening fence with a
 *   language on the output's first line is a chat model wrapping its answer ("```python"), so that line is
 *   dropped and the cut is made at the next fence line. In markdown documents fences are content;
 * - a trailing fragment that is the beginning of a stop token ("<|file_sep", "<end_of"): generation stopped in
 *   the middle of one (token budget), so it is cut too.
 * `languageId` is optional; it only exempts markup (`</s>` is a tag there, fences are content in markdown).
 */
export function truncateAtStopSignals(raw: string, languageId = ""): string {
    const rules = rulesFor(languageId);
    let text = raw;
    const m = (rules.markup ? STOP_RE_MARKUP : STOP_RE_CODE).exec(text);
    if (m) text = text.slice(0, m.index);
    if (!(languageId === "markdown" || languageId === "mdx")) text = cutAtFence(text);
    return text.slice(0, partialStopTokenStart(text, rules));
}

/**
 * Drops an opening fence (one with a language: "```python") on the first non-blank line, and cuts before the
 * next fence line. A bare ``` first line is a closing fence: with the gemma-chat prompt the model's turn is
 * prefilled with "```lang" + the prefix, so closing the fence is how it says "nothing more".
 */
export function cutAtFence(text: string): string {
    let from = 0;
    const first = firstNonBlankLineStart(text);
    if (first !== -1 && isOpeningFenceAt(text, first)) {
        const nl = text.indexOf("\n", first);
        if (nl === -1) return "";
        text = text.slice(nl + 1);
    }
    for (;;) {
        const i = text.indexOf("```", from);
        if (i === -1) return text;
        // Only whitespace between the line start and the backticks? Walk back over whitespace only, so that
        // the walks of successive hits never overlap (linear even for a long line of backticks).
        let j = i - 1;
        while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
        if (j < 0) return "";
        if (text.charCodeAt(j) === NEWLINE) return text.slice(0, j);
        from = i + 3;
    }
}

export function isOpeningFenceAt(text: string, lineStart: number): boolean {
    let i = lineStart;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (!text.startsWith("```", i)) return false;
    for (i += 3; i < text.length && text.charCodeAt(i) === BACKTICK; i++);
    return isIdentChar(text.charCodeAt(i));
}

/** Index where a trailing partial stop token begins, or text.length when the text does not end in one. */
export function partialStopTokenStart(text: string, rules: LanguageRules): number {
    const from = Math.max(0, text.length - LONGEST_STOP_TOKEN + 1);
    for (let i = from; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== LT && c !== LBRACKET) continue;
        if (isPartialStopToken(text, i, text.length, rules)) return i;
    }
    // A line of two backticks is the start of a closing fence.
    const lineStart = text.lastIndexOf("\n") + 1;
    if (!rules.markup && text.endsWith("``") && isBlankRange(text, lineStart, text.length - 2)) return lineStart;
    return text.length;
}

/**
 * Is text[start, end) a proper beginning of a stop token, long enough to be unlikely code? Fragments of the
 * "<|...|>" families need 2 characters ("<|"); others need 4 ("<end", "[SUF"), so `a < b` or `x[i]` survive.
 */
export function isPartialStopToken(text: string, start: number, end: number, rules: LanguageRules): boolean {
    const len = end - start;
    if (len <= 0) return false;
    for (const token of ALL_STOP_TOKENS) {
        if (len >= token.length || (rules.markup && CODE_ONLY_STOP_TOKENS.includes(token))) continue;
        const bar = token.charCodeAt(1) === PIPE || token.charCodeAt(1) === FULLWIDTH_PIPE;
        if (len < Math.min(bar ? 2 : 4, token.length - 1)) continue;
        if (token.startsWith(text.slice(start, end))) return true;
    }
    return false;
}

/** Drops a last line that is only the beginning of a special token ("<|file_sep", "<end_of"). */
export function dropPartialTokenLine(text: string, rules: LanguageRules): string {
    const lineStart = text.lastIndexOf("\n") + 1;
    let start = lineStart;
    while (start < text.length && isSpace(text.charCodeAt(start))) start++;
    if (!isPartialStopToken(text, start, text.length, rules)) return text;
    return text.slice(0, Math.max(0, lineStart - 1)).trimEnd();
}
