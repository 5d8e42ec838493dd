// Builds the completion prompt within a token budget.
//
// Why the Gemma prompt is the chat template with the model's turn prefilled (and not plain continuation):
// the default model is gemma-2-9b-*it*, tuned to answer inside `<start_of_turn>model`. Given raw code, an
// instruction-tuned model drifts into prose or restarts the file; given a user turn that states the task and shows
// the code after the cursor, and a model turn that already holds ```lang + the code before the cursor, the only
// natural continuation is more code, and it closes the fence when the gap is filled — a clean stop signal.
//
// Order matters for speed: the parts that change least come first (instructions, other files' snippets, the code
// after the cursor), the prefix, which changes on every keystroke, comes last. The KV cache of everything before
// the cursor line is then reused while the user types. Window edges snap to multiples of WINDOW_ALIGN lines so
// they stay put while typing instead of sliding with every character.
import {GEMMA_TURNS, PROMPT_FAMILIES} from "../engine/engine";
import type {BuiltPrompt, PromptPart, ResolvedPromptStyle, Snippet} from "../engine/engine";
import {rulesFor} from "./postprocess/languages";

// The prompt's shape is the engines' contract (engine/engine.ts); the tokens come from the model-family table.
export type {BuiltPrompt, PromptPart, Snippet} from "../engine/engine";

export interface PromptInput {
    /** Document text before the cursor, and after it. */
    prefix: string;
    suffix: string;
    languageId: string;
    fileName: string;
    snippets: Snippet[];
}

export type CountTokens = (text: string) => number;

const WINDOW_ALIGN = 16;

export function buildCompletionPrompt(input: PromptInput, style: ResolvedPromptStyle, budget: number,
                                      count: CountTokens): BuiltPrompt {
    const leftOut = style === "continuation" ? blanksAfterText(input.prefix) : "";
    const prefix = prefixWindow(input.prefix.slice(0, input.prefix.length - leftOut.length), Math.floor(budget * 0.6), count);
    const suffix = suffixWindow(input.suffix, Math.floor(budget * 0.2), count);
    const used = count(prefix.text) + count(suffix.text) + 64; // 64: the template's own tokens
    const snippets = pickSnippets(input.snippets, budget - used, count, prefix.text + suffix.text);
    const lang = fenceLanguage(input.languageId);
    const base = {prefixLines: prefix.lines, suffixLines: suffix.lines, snippetsUsed: snippets.length,
        prefixText: prefix.text, suffixText: suffix.text, snippets, ...(leftOut ? {leftOut} : {})};

    // Template text is tokenized with special tokens parsed; the user's code never is, so a file that contains
    // "<end_of_turn>" or "<|fim_middle|>" literally cannot end or corrupt the prompt.
    const t = (text: string): PromptPart => ({text, special: true});
    const code = (text: string): PromptPart => ({text, special: false});
    const make = (parts: PromptPart[], stops: string[]): BuiltPrompt =>
        ({...base, parts, text: parts.map((p) => p.text).join(""), stops});

    const family = PROMPT_FAMILIES[style];
    const stops = [...family.stops];
    switch (style) {
        case "gemma-chat": {
            const context = snippets.flatMap((s) => [code(`Context from \`${s.label}\`:\n\`\`\`${lang}\n${s.text}\n\`\`\`\n`)]);
            return make([
                t(GEMMA_TURNS.userStart),
                code(`You complete code. Continue the ${input.languageId} file \`${input.fileName}\` exactly where it stops, `
                    + "and reply with the missing code only.\n"),
                ...context,
                code(`The file continues after the cursor with:\n\`\`\`${lang}\n${suffix.text}\n\`\`\``),
                t(GEMMA_TURNS.modelStart),
                ...prefixParts(`\`\`\`${lang}\n`, prefix.text)
            ], stops);
        }
        case "continuation":
            // Snippets as line comments of the language, labelled: shown as code, a base model continued them
            // instead of the file (measured: bench/run-prompt-variants.ts, README "Completion quality").
            return make(prefixParts(snippets.map((s) => commentedSnippet(s, input.languageId)).join(""), prefix.text), stops);
        default: {
            const fim = family.fim!;
            // Suffix first (SPM, Codestral): the prefix, which changes while typing, stays last for KV reuse.
            if (fim.order === "spm") return make([t(fim.suffix), code(suffix.text), t(fim.prefix), ...prefixParts("", prefix.text)], stops);
            // Repository-level formats (Qwen2.5-Coder): each snippet as a file, then the current file's name.
            const sep = fim.fileSeparator;
            const files = sep === undefined ? []
                : [...snippets.flatMap((s) => [t(sep), code(`${s.label}\n${s.text}\n`)]), t(sep), code(`${input.fileName}\n`)];
            return make([...files, t(fim.prefix), ...prefixParts("", prefix.text), t(fim.suffix), code(suffix.text), t(fim.middle!)], stops);
        }
    }
}

/**
 * Blanks typed after text at the end of the cursor line (`x = |`). A prompt that ends in them ends inside what
 * Gemma's tokenizer makes one token with the next word (its tokens carry their leading blank), a boundary a base
 * model rarely saw; the continuation prompt ends before them and the model writes them again (dropped from its text:
 * textAtCursor). On a line of indentation alone they stay: they tell the model how deep the line is (left out, the
 * model started at column 0). Measured: bench/run-prompt-variants.ts, README "Completion quality".
 */
export function blanksAfterText(prefix: string): string {
    const m = /\S([ \t]+)$/.exec(prefix.slice(prefix.lastIndexOf("\n") + 1));
    return m ? m[1] : "";
}

/** The model's text as text at the cursor: without the blanks it wrote again where the prompt left them out. */
export function textAtCursor(text: string, prompt: Pick<BuiltPrompt, "leftOut">): string {
    return prompt.leftOut ? text.replace(/^[ \t]+/, "") : text;
}

/**
 * The code before the cursor as two parts: the lines above the cursor line, which stay the same while the user types
 * on that line (their tokens are remembered, engine/local/partTokens.ts), and the cursor line itself. Tokenized apart
 * they give the same tokens as together (a tokenizer does not merge a line break with the next line's text; checked for
 * Gemma 3 on real code: test/real/promptTokens.test.ts).
 */
export function prefixParts(lead: string, prefix: string): PromptPart[] {
    const cut = prefix.lastIndexOf("\n") + 1;
    if (cut === 0 || cut === prefix.length) return [{text: lead + prefix, special: false}];
    return [{text: lead + prefix.slice(0, cut), special: false}, {text: prefix.slice(cut), special: false}];
}

interface Window {
    text: string;
    lines: number;
}

/** The end of the prefix that fits `budget` tokens, starting on an aligned line so it is stable while typing. */
export function prefixWindow(prefix: string, budget: number, count: CountTokens): Window {
    const lines = prefix.split("\n");
    // A first cut by characters keeps huge documents from being tokenized whole (a token is rarely > 8 chars).
    let start = 0;
    let chars = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
        chars += lines[i].length + 1;
        if (chars > budget * 8) {
            start = i + 1;
            break;
        }
    }
    start = Math.floor(start / WINDOW_ALIGN) * WINDOW_ALIGN;
    const last = lines.length - 1;
    while (start < last && count(lines.slice(start).join("\n")) > budget) {
        start = Math.min(last, (Math.floor(start / WINDOW_ALIGN) + 1) * WINDOW_ALIGN);
    }
    let text = lines.slice(start).join("\n");
    // A single cursor line longer than the budget: keep its end.
    if (start === last && count(text) > budget) text = text.slice(-budget * 2);
    return {text, lines: lines.length - start};
}

/** The start of the suffix that fits `budget` tokens, ending on an aligned line. */
export function suffixWindow(suffix: string, budget: number, count: CountTokens): Window {
    const lines = suffix.split("\n");
    let end = lines.length;
    let chars = 0;
    for (let i = 0; i < lines.length; i++) {
        chars += lines[i].length + 1;
        if (chars > budget * 8) {
            end = i;
            break;
        }
    }
    end = Math.max(1, Math.ceil(end / WINDOW_ALIGN) * WINDOW_ALIGN);
    while (end > 1 && count(lines.slice(0, end).join("\n")) > budget) {
        end = Math.max(1, (Math.ceil(end / WINDOW_ALIGN) - 1) * WINDOW_ALIGN);
    }
    let text = lines.slice(0, end).join("\n");
    if (end === 1 && count(text) > budget) text = text.slice(0, budget * 2);
    return {text, lines: Math.min(end, lines.length)};
}

/** Snippets in the order given, deduplicated, without those that repeat the code around the cursor. */
export function pickSnippets(snippets: Snippet[], budget: number, count: CountTokens, cursorWindow: string): Snippet[] {
    const windowLines = new Set(significantLines(cursorWindow));
    const seen = new Set<string>();
    const picked: Snippet[] = [];
    let left = budget;
    for (const s of snippets) {
        const text = s.text.trim();
        if (!text || seen.has(text)) continue;
        seen.add(text);
        const lines = significantLines(text);
        // The model copies what it is shown: a snippet that mostly repeats the window would be echoed back.
        const overlap = lines.filter((l) => windowLines.has(l)).length;
        if (lines.length === 0 || overlap / lines.length >= 0.5) continue;
        const cost = count(text) + count(s.label) + 8;
        if (cost > left) continue;
        left -= cost;
        picked.push({label: s.label, text});
    }
    return picked;
}

function significantLines(text: string): string[] {
    return text.split("\n").map((l) => l.trim()).filter((l) => l.length > 3);
}

/** A snippet as line comments ("// Context from `a.ts:12`:" then each line), or as it is where the language has none. */
export function commentedSnippet(s: Snippet, languageId: string): string {
    const mark = rulesFor(languageId).lineComments[0];
    if (!mark) return `${s.text}\n\n`;
    return `${mark} Context from ${s.label}:\n${s.text.split("\n").map((l) => `${mark} ${l}`.trimEnd()).join("\n")}\n\n`;
}

const FENCE_NAMES: Record<string, string> = {
    typescriptreact: "tsx", javascriptreact: "jsx", shellscript: "bash", plaintext: "", csharp: "cs", cpp: "cpp"
};

export function fenceLanguage(languageId: string): string {
    return FENCE_NAMES[languageId] ?? languageId;
}
