// Prompt layouts measured against each other by `npm run bench:variants` (bench/run-prompt-variants.ts): the
// product's own styles (language-server/completion/prompt.ts) and variants of them that show a small model less.
// Each builds the same BuiltPrompt the engine takes, from the same prefix/suffix windows and snippets, so a
// variant differs from the product's style only in what this file says.
import {BuiltPrompt, buildCompletionPrompt, fenceLanguage, PromptInput, PromptPart} from "../language-server/completion/prompt";

export type CountTokens = (text: string) => number;
export type SnippetSource = "definitions" | "recentEdits" | "openEditors";

export interface PromptVariant {
    id: string;
    label: string;
    /** Context snippets (definitions, recent edits, open editors) are given to it. */
    context: boolean;
    /** Only the snippets of these sources (default: all). */
    sources?: SnippetSource[];
    build(input: PromptInput, budget: number, count: CountTokens): BuiltPrompt;
}

const t = (text: string): PromptPart => ({text, special: true});
const code = (text: string): PromptPart => ({text, special: false});

function withParts(base: BuiltPrompt, parts: PromptPart[], stops: string[]): BuiltPrompt {
    return {...base, parts, stops, text: parts.map((p) => p.text).join("")};
}

/** The prompt with the blanks it left out (prompt.ts, blanksAfterText) put back at its end. */
function withTypedBlanks(p: BuiltPrompt): BuiltPrompt {
    if (!p.leftOut) return p;
    const last = p.parts[p.parts.length - 1];
    return withParts({...p, leftOut: undefined}, [...p.parts.slice(0, -1), {...last, text: last.text + p.leftOut}], p.stops);
}

/** gemma-chat without the code after the cursor (the small model copies what it is shown). */
function chatWithoutSuffix(input: PromptInput, budget: number, count: CountTokens): BuiltPrompt {
    const base = buildCompletionPrompt(input, "gemma-chat", budget, count);
    const lang = fenceLanguage(input.languageId);
    const context = base.snippets.map((s) => code(`Context from \`${s.label}\`:\n\`\`\`${lang}\n${s.text}\n\`\`\`\n`));
    return withParts(base, [
        t("<start_of_turn>user\n"),
        code(`You complete code. Continue the ${input.languageId} file \`${input.fileName}\` exactly where it stops, `
            + "and reply with the missing code only.\n"),
        ...context,
        t("<end_of_turn>\n<start_of_turn>model\n"),
        code(`\`\`\`${lang}\n${base.prefixText}`)
    ], base.stops);
}

/** Continuation with the snippets pasted as code before the prefix (the product's continuation before issue 12). */
function continuationRawContext(input: PromptInput, budget: number, count: CountTokens): BuiltPrompt {
    const base = buildCompletionPrompt(input, "continuation", budget, count);
    return withParts(base, [code(base.snippets.map((s) => `${s.text}\n\n`).join("") + base.prefixText)], []);
}

export const PROMPT_VARIANTS: PromptVariant[] = [
    {id: "chat+ctx", label: "gemma-chat, context on", context: true, build: (i, b, c) => buildCompletionPrompt(i, "gemma-chat", b, c)},
    {id: "chat", label: "gemma-chat, context off", context: false, build: (i, b, c) => buildCompletionPrompt(i, "gemma-chat", b, c)},
    {id: "chat-nosuffix+ctx", label: "gemma-chat without suffix, context on", context: true, build: chatWithoutSuffix},
    {id: "chat-nosuffix", label: "gemma-chat without suffix, context off", context: false, build: chatWithoutSuffix},
    {id: "cont+ctx", label: "continuation, context pasted as code", context: true, build: continuationRawContext},
    // The product's continuation: snippets as labelled line comments.
    {id: "cont+ctxc", label: "continuation, context as comments", context: true, build: (i, b, c) => buildCompletionPrompt(i, "continuation", b, c)},
    // The continuation prompt does not show the suffix: its share of the budget (20 %) goes to the snippets instead.
    {id: "cont+ctxc-noedits", label: "continuation, context as comments without recent edits", context: true,
        sources: ["definitions", "openEditors"], build: (i, b, c) => buildCompletionPrompt(i, "continuation", b, c)},
    {id: "cont+ctxc-fs", label: "continuation, context as comments, suffix budget to context", context: true,
        build: (i, b, c) => buildCompletionPrompt({...i, suffix: ""}, "continuation", b, c)},
    // The product's continuation before it left out blanks typed after text (README "Completion quality").
    {id: "cont+ctxc-typedblank", label: "continuation, context as comments, prompt ends with the blank typed after text", context: true,
        build: (i, b, c) => withTypedBlanks(buildCompletionPrompt(i, "continuation", b, c))},
    {id: "cont-typedblank", label: "continuation, context off, prompt ends with the blank typed after text", context: false,
        build: (i, b, c) => withTypedBlanks(buildCompletionPrompt(i, "continuation", b, c))},
    {id: "cont", label: "continuation, context off", context: false, build: (i, b, c) => buildCompletionPrompt(i, "continuation", b, c)}
];

/**
 * "The suffix only as a stop": the raw text cut where the model starts writing the next code line of the file
 * (a line of at least 4 characters). Greedy decoding makes this the same text a stop string would have given.
 */
export function cutAtSuffixLine(raw: string, suffix: string): string {
    const next = suffix.split("\n").map((l) => l.trim()).find((l) => l.length > 0);
    if (!next || next.length < 4) return raw;
    const lines = raw.split("\n");
    for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() === next) return lines.slice(0, i).join("\n");
    }
    return raw;
}
