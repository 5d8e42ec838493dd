// Postprocessing of raw inline-completion text. The model only guesses "what comes next"; this module turns the
// guess into something safe to show as ghost text: no special tokens or chat artefacts, nothing the document
// already has right after the cursor, no multi-line run-off past the current block, no brackets the document
// would then have twice, no junk. It is pure and synchronous and runs on every keystroke, so it looks only at
// the cursor's neighbourhood (bounded scans of the prefix and suffix, never the whole document), is linear in
// the length of the model's output, and uses no regular expression that could backtrack on long input.

/** Where the completion goes. */
export type CompletionContext = {
    /** Document text before the cursor. */
    prefix: string;
    /** Document text after the cursor. */
    suffix: string;
    /** VS Code language id of the document ("typescript", "python", "go", ...). */
    languageId: string;
};

export type PostprocessOptions = {
    /** From decideMultiline (or forced by the caller): may the completion span several lines? */
    multiline: boolean;
};

// ---- Bounds: how far around the cursor we ever look ----

/** Characters of the cursor line (before and after the cursor) that are analysed. */
const MAX_LINE_CHARS = 4000;
/** Lines of prefix or suffix looked at when searching for the enclosing block, the next line, a closer. */
const MAX_CONTEXT_LINES = 500;
/** Characters of prefix or suffix looked at for the same purpose (guards against huge single lines). */
const MAX_CONTEXT_CHARS = 100_000;
/** Columns a tab stands for when indentation widths are compared. */
const TAB_WIDTH = 4;

// Character codes (the scanners compare char codes: no per-character strings).
const TAB = 0x09, NEWLINE = 0x0a, CR = 0x0d, SPACE = 0x20, DQUOTE = 0x22, SQUOTE = 0x27, LPAREN = 0x28,
    RPAREN = 0x29, COMMA = 0x2c, COLON = 0x3a, SEMICOLON = 0x3b, LT = 0x3c, LBRACKET = 0x5b, BACKSLASH = 0x5c,
    RBRACKET = 0x5d, BACKTICK = 0x60, LBRACE = 0x7b, PIPE = 0x7c, RBRACE = 0x7d, FULLWIDTH_PIPE = 0xff5c;

// ---- Languages ----

interface LanguageRules {
    /** Line-comment markers. */
    lineComments: readonly string[];
    /** `'` delimits strings ('abc'); when false it only makes char literals ('a', '\n'), and Rust lifetimes pass. */
    singleQuoteStrings: boolean;
    /** Python's """ and ''' strings. */
    tripleQuotes: boolean;
    /** A line ending in `:` opens an indented block (Python, YAML). */
    colonOpensBlock: boolean;
    /** Words that close a block on a line of their own (Ruby's `end`, the shell's `fi`). */
    closingWords: readonly string[];
    /** Markup, where `</s>` is a real tag and a ``` fence may be content. */
    markup: boolean;
}

const cLike: LanguageRules = {
    lineComments: ["//"], singleQuoteStrings: false, tripleQuotes: false, colonOpensBlock: false, closingWords: [],
    markup: false
};
const scriptLike: LanguageRules = {...cLike, singleQuoteStrings: true};
const hashComments: LanguageRules = {...scriptLike, lineComments: ["#"]};

const LANGUAGES: Record<string, LanguageRules> = {
    python: {...hashComments, tripleQuotes: true, colonOpensBlock: true},
    yaml: {...hashComments, colonOpensBlock: true},
    ruby: {...hashComments, closingWords: ["end"]},
    elixir: {...hashComments, closingWords: ["end"]},
    julia: {...hashComments, closingWords: ["end"]},
    shellscript: {...hashComments, closingWords: ["fi", "done", "esac"]},
    perl: hashComments, r: hashComments, toml: hashComments, dockerfile: hashComments, makefile: hashComments,
    lua: {...scriptLike, lineComments: ["--"], closingWords: ["end"]},
    sql: {...scriptLike, lineComments: ["--"]},
    haskell: {...cLike, lineComments: ["--"]},
    php: {...scriptLike, lineComments: ["//", "#"], markup: true},
    c: cLike, cpp: cLike, csharp: cLike, java: cLike, go: cLike, rust: cLike, kotlin: cLike, scala: cLike,
    swift: cLike, objective_c: cLike, zig: cLike,
    html: {...scriptLike, markup: true}, xml: {...scriptLike, markup: true}, vue: {...scriptLike, markup: true},
    svelte: {...scriptLike, markup: true}, astro: {...scriptLike, markup: true},
    javascriptreact: {...scriptLike, markup: true}, typescriptreact: {...scriptLike, markup: true},
    markdown: {...scriptLike, lineComments: [], markup: true}, mdx: {...scriptLike, lineComments: [], markup: true},
    plaintext: {...scriptLike, lineComments: []}
};

function rulesFor(languageId: string): LanguageRules {
    return LANGUAGES[languageId] ?? scriptLike;
}

// ---- Stop signals ----

/**
 * Control tokens of the model families we prompt (and of chat templates) that must never reach the editor.
 * Gemma's own come first; the others leak when a user points the server at a different GGUF.
 */
const STOP_TOKENS: readonly string[] = [
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
const CODE_ONLY_STOP_TOKENS: readonly string[] = ["</s>", "<reponame>", "<gh_stars>"];

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
// An alternation of plain literals: no quantifiers, so matching is linear in the input.
const STOP_RE_MARKUP = new RegExp(STOP_TOKENS.map(escapeRegExp).join("|"));
const STOP_RE_CODE = new RegExp([...STOP_TOKENS, ...CODE_ONLY_STOP_TOKENS].map(escapeRegExp).join("|"));
const ALL_STOP_TOKENS = [...STOP_TOKENS, ...CODE_ONLY_STOP_TOKENS];
const LONGEST_STOP_TOKEN = Math.max(...ALL_STOP_TOKENS.map((t) => t.length));

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
function cutAtFence(text: string): string {
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

function isOpeningFenceAt(text: string, lineStart: number): boolean {
    let i = lineStart;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (!text.startsWith("```", i)) return false;
    for (i += 3; i < text.length && text.charCodeAt(i) === BACKTICK; i++);
    return isIdentChar(text.charCodeAt(i));
}

/** Index where a trailing partial stop token begins, or text.length when the text does not end in one. */
function partialStopTokenStart(text: string, rules: LanguageRules): number {
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
function isPartialStopToken(text: string, start: number, end: number, rules: LanguageRules): boolean {
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

// ---- The single-line / multi-line decision ----

/**
 * Should the completion at this cursor span several lines? The rules, in order:
 * 1. Text after the cursor on its line (mid-line edit, or inside auto-closed brackets/quotes): single-line.
 *    A multi-line insertion there would split the line.
 * 2. The cursor is inside a comment or a string: single-line (prose; finish the sentence, not the program).
 * 3. The cursor is at the end of a line with code: multi-line when that line opens a block (ends with `{`,
 *    `(`, `[`, `=>`, the words `do`/`then`, `:` in Python/YAML, `case x:`/`default:` labels; a trailing comment
 *    is ignored), because its body comes next. Otherwise single-line: the user is finishing a statement or an
 *    expression (`const x = `, `return foo.`).
 * 4. The cursor is on an empty or whitespace-only line:
 *    a. the previous code line opens a block: multi-line (the body);
 *    b. the previous code line ends mid-expression (a binary operator, `,`, `.`, `\`): single-line, the next
 *       line of that expression;
 *    c. otherwise (start of a statement in a block, after a comment, start of the file): multi-line. The
 *       indentation scope in postprocessCompletion keeps it inside the current block.
 */
export function decideMultiline(ctx: CompletionContext): boolean {
    const rules = rulesFor(ctx.languageId);
    const cursor = describeCursor(ctx, rules);
    if (!cursor.restIsBlank) return false;
    if (cursor.state.quote !== 0 || cursor.state.inComment) return false;
    if (!cursor.lineIsBlank) return opensBlock(cursor.linePrefix, rules);
    const previous = previousCodeLine(ctx.prefix, cursor.lineStart);
    if (previous === undefined) return true;
    if (opensBlock(previous, rules)) return true;
    return !endsMidExpression(previous, rules);
}

/** Does this line (its code, without a trailing comment) end by opening a block? */
function opensBlock(line: string, rules: LanguageRules): boolean {
    const code = codeOf(line, rules);
    const last = code.charCodeAt(code.length - 1);
    if (last === LBRACE || last === LPAREN || last === LBRACKET) return true;
    if (code.endsWith("=>")) return true;
    if (last === COLON) {
        if (rules.colonOpensBlock) return true;
        const start = code.trimStart();
        return start.startsWith("case ") || start === "default:";   // switch labels
    }
    if (endsWithWord(code, "do") || endsWithWord(code, "then")) return true;
    // Ruby/Elixir block parameters: `items.each do |item|`
    if (last === PIPE) {
        const open = code.lastIndexOf("|", code.length - 2);
        return open > 0 && endsWithWord(code.slice(0, open).trimEnd(), "do");
    }
    return false;
}

/** Does this line end in the middle of an expression, so that its next line continues it? */
function endsMidExpression(line: string, rules: LanguageRules): boolean {
    const code = codeOf(line, rules);
    if (code.length === 0) return false;
    if (code.endsWith("++") || code.endsWith("--") || code.endsWith("*/")) return false;   // complete statements
    const last = code[code.length - 1];
    if ("=+-*/%&|^?,.\\<".includes(last)) return true;
    if (last === ":" && !rules.colonOpensBlock) return true;   // `key:` or the `:` of a ternary
    return endsWithWord(code, "and") || endsWithWord(code, "or") || endsWithWord(code, "not")
        || endsWithWord(code, "in");
}

/** The line without its trailing comment and trailing whitespace (only the last MAX_LINE_CHARS are read). */
function codeOf(line: string, rules: LanguageRules): string {
    const text = line.length > MAX_LINE_CHARS ? line.slice(line.length - MAX_LINE_CHARS) : line;
    const state = freshState();
    const commentAt = scan(text, rules, state);
    return (commentAt === -1 ? text : text.slice(0, commentAt)).trimEnd();
}

function endsWithWord(code: string, word: string): boolean {
    if (!code.endsWith(word)) return false;
    const before = code.length - word.length - 1;
    return before < 0 || !isIdentChar(code.charCodeAt(before));
}

// ---- The cursor's neighbourhood ----

interface Cursor {
    /** Index in the prefix where the cursor line starts. */
    lineStart: number;
    /** The cursor line before the cursor (its last MAX_LINE_CHARS). */
    linePrefix: string;
    /** The cursor line after the cursor (its first MAX_LINE_CHARS, without "\r"). */
    lineSuffix: string;
    lineIsBlank: boolean;
    restIsBlank: boolean;
    /** Indentation width of the cursor line (of linePrefix when the line is blank). */
    lineIndent: number;
    /** String/comment state at the cursor, from the cursor line alone. */
    state: ScanState;
}

function describeCursor(ctx: CompletionContext, rules: LanguageRules): Cursor {
    const {prefix, suffix} = ctx;
    const lineStart = prefix.lastIndexOf("\n") + 1;
    const linePrefix = prefix.slice(Math.max(lineStart, prefix.length - MAX_LINE_CHARS));
    let lineEnd = suffix.indexOf("\n");
    if (lineEnd === -1) lineEnd = suffix.length;
    let lineSuffix = suffix.slice(0, Math.min(lineEnd, MAX_LINE_CHARS));
    if (lineSuffix.endsWith("\r")) lineSuffix = lineSuffix.slice(0, -1);
    const state = freshState();
    scan(linePrefix, rules, state);
    return {
        lineStart, linePrefix, lineSuffix, state,
        lineIsBlank: isBlankRange(prefix, lineStart, prefix.length),
        restIsBlank: isBlankRange(lineSuffix, 0, lineSuffix.length),
        lineIndent: indentWidth(prefix, lineStart, prefix.length)
    };
}

/** The nearest non-blank line before the cursor line (its last MAX_LINE_CHARS), or undefined. */
function previousCodeLine(prefix: string, lineStart: number): string | undefined {
    let end = lineStart - 1;   // the "\n" that ends the previous line
    for (let n = 0; end >= 0 && n < MAX_CONTEXT_LINES && lineStart - end < MAX_CONTEXT_CHARS; n++) {
        const start = startOfLineEndingAt(prefix, end);
        if (!isBlankRange(prefix, start, end)) return prefix.slice(Math.max(start, end - MAX_LINE_CHARS), end);
        end = start - 1;
    }
    return undefined;
}

/** Start of the line that ends at `end` (the index of its "\n"). */
function startOfLineEndingAt(text: string, end: number): number {
    return end > 0 ? text.lastIndexOf("\n", end - 1) + 1 : 0;
}

/**
 * Indentation of the block that encloses code indented `indent`: the nearest line above the cursor line that
 * is indented less. -1 when there is none in range (top level): then no closing line may be added.
 */
function enclosingIndent(prefix: string, lineStart: number, indent: number): number {
    let end = lineStart - 1;
    for (let n = 0; end >= 0 && n < MAX_CONTEXT_LINES && lineStart - end < MAX_CONTEXT_CHARS; n++) {
        const start = startOfLineEndingAt(prefix, end);
        if (!isBlankRange(prefix, start, end)) {
            const w = indentWidth(prefix, start, end);
            if (w < indent) return w;
        }
        end = start - 1;
    }
    return -1;
}

interface SuffixLine {
    /** Trimmed text. */
    text: string;
    indent: number;
}

/** The first non-blank line after the cursor line, or undefined. */
function nextCodeLine(suffix: string): SuffixLine | undefined {
    let start = suffix.indexOf("\n") + 1;
    if (start === 0) return undefined;   // the cursor is on the last line
    for (let n = 0; n < MAX_CONTEXT_LINES && start < MAX_CONTEXT_CHARS; n++) {
        let end = suffix.indexOf("\n", start);
        const last = end === -1;
        if (last) end = suffix.length;
        if (!isBlankRange(suffix, start, end)) {
            const text = suffix.slice(start, Math.min(end, start + MAX_LINE_CHARS)).trim();
            return {text, indent: indentWidth(suffix, start, end)};
        }
        if (last) return undefined;
        start = end + 1;
    }
    return undefined;
}

/**
 * Does the document already close the block whose closing line would sit at `indent`? True when the rest of the
 * cursor line starts with a closer, or when the first suffix line indented `indent` or less is, at exactly
 * `indent`, a closing line or the block's next part (`} else {`, `else:`); deeper lines are its existing body.
 * When the answer is out of range we say yes: a missing closer is easier to notice and cheaper to fix than a
 * duplicated one.
 */
function suffixClosesBlockAt(suffix: string, lineSuffix: string, indent: number, rules: LanguageRules): boolean {
    const rest = lineSuffix.trimStart();
    if (rest.length > 0 && isCloser(rest.charCodeAt(0))) return true;
    let start = suffix.indexOf("\n") + 1;
    if (start === 0) return false;   // the cursor is on the last line: nothing closes the block
    for (let n = 0; n < MAX_CONTEXT_LINES && start < MAX_CONTEXT_CHARS; n++) {
        let end = suffix.indexOf("\n", start);
        const last = end === -1;
        if (last) end = suffix.length;
        if (!isBlankRange(suffix, start, end)) {
            const w = indentWidth(suffix, start, end);
            if (w < indent) return false;
            if (w === indent) {
                // `}`, `});`, `} else {`, `end`, `else:`: the block ends (or goes on) there already.
                const trimmed = suffix.slice(start, Math.min(end, start + MAX_LINE_CHARS)).trim();
                return isCloser(trimmed.charCodeAt(0)) || isClosingLine(trimmed, rules)
                    || continuesBlock(trimmed, rules);
            }
        }
        if (last) return false;   // reached the end of the document: not closed
        start = end + 1;
    }
    return true;   // ran out of lines to look at: assume closed
}

/** A line that only closes: `}`, `});`, `],`, `)`, or a closing word such as `end`/`fi` (trimmed input). */
function isClosingLine(trimmed: string, rules: LanguageRules): boolean {
    let i = 0;
    if (trimmed.length > 0 && isCloser(trimmed.charCodeAt(0))) {
        i = 1;
    } else {
        const word = rules.closingWords.find((w) => trimmed.startsWith(w));
        if (word === undefined || isIdentChar(trimmed.charCodeAt(word.length))) return false;
        i = word.length;
    }
    for (; i < trimmed.length; i++) {
        const c = trimmed.charCodeAt(i);
        if (!isCloser(c) && c !== SEMICOLON && c !== COMMA && !isSpace(c)) return false;
    }
    return true;
}

// ---- The pipeline ----

/**
 * Turns raw model output into the text to show at the cursor, or undefined when nothing worth showing is left.
 * Steps:
 * 1. truncateAtStopSignals (special tokens, chat artefacts, fences, a partial token at the end); "\r\n" → "\n".
 * 2. Line selection.
 *    Single-line: the first line only. When the first line is empty (the model starts a new line) that is kept
 *    only if the cursor is at the end of a non-blank line with nothing after it: then "\n" + the next line is
 *    returned, provided it does not dedent out of the cursor's block and is not the suffix's next line.
 *    Mid-line or on a blank line a leading newline is dropped (undefined).
 *    Multi-line: limit the scope by indentation (see placeLine).
 *    - When the cursor line (plus the completion's first line) opens a block, the completion is that block:
 *      its lines indented deeper than the cursor line, continuations such as `} else {` / `elif x:`, and its
 *      closing line (`}`, `end`), which is left out when the suffix already closes the block there.
 *    - On a blank cursor line, the completion's first line sets the block's indentation; lines indented less
 *      end the completion, except the enclosing block's closing line when the suffix does not have it. When
 *      the first line opens a block itself (`for ... {`, `def f():`), the completion ends with that block.
 *    - When the cursor line opened a block that the first line fills and closes (`=> x * 2;`): only deeper
 *      lines (continuations of that line) follow.
 *    - At the end of any other line: the lines indented at least as much as the cursor line.
 *    Both: the completion also ends before a line that repeats the suffix's next non-blank line (the model
 *    re-typing code below the cursor), and before a run of 3 identical lines or a line that repeats a short
 *    token sequence ("returnreturnreturn", "(((((").
 * 3. Duplicates of the suffix: when the completion's end equals the beginning of the rest of the cursor line
 *    (an auto-closed `)` or `"`, a `;` already there) it is cut, provided that does not unbalance the brackets
 *    the completion itself opened. If the completion then still closes a bracket or string opened before the
 *    cursor with the character the rest of the line starts with, it is cut before that closer. When the cursor
 *    is at the end of its line, unmatched closing brackets at the end of a one-line completion are dropped if
 *    the suffix's next characters are those brackets.
 *    Brackets the completion opens are never closed here: a closing bracket is only added by the model.
 * 4. Whitespace: trailing whitespace of each line is trimmed (of the last line only when nothing follows the
 *    cursor on its line); a leading space is dropped when the cursor already follows a space. A last line that
 *    is just a fragment of a special token is dropped. Empty or whitespace-only results are undefined.
 */
export function postprocessCompletion(
    raw: string, ctx: CompletionContext, opts: PostprocessOptions
): string | undefined {
    const rules = rulesFor(ctx.languageId);
    let text = truncateAtStopSignals(raw, ctx.languageId);
    if (text.includes("\r")) text = text.replace(/\r\n?/g, "\n");
    if (isBlankRange(text, 0, text.length)) return undefined;
    const cursor = describeCursor(ctx, rules);
    text = dropRetypedIndentation(text, cursor, ctx.prefix, rules);

    const lines = opts.multiline ? selectBlockLines(text, cursor, ctx, rules) : selectFirstLine(text, cursor, ctx);
    if (lines.length === 0) return undefined;
    if (!cursor.lineIsBlank && isSpace(lastCharCode(cursor.linePrefix)) && lines[0].length > 0) {
        lines[0] = lines[0].trimStart();
    }
    const kept = cutAtRepetition(lines, cursor);
    if (kept.length === 0) return undefined;

    let result = joinTrimmed(kept, cursor.restIsBlank);
    result = trimLineSuffixOverlap(result, cursor, rules);
    result = cutAtClosersTheLineSupplies(result, cursor, rules);
    if (cursor.restIsBlank) result = dropClosersTheSuffixSupplies(result, ctx.suffix, cursor, rules).trimEnd();
    result = dropPartialTokenLine(result, rules);
    return isBlankRange(result, 0, result.length) ? undefined : result;
}

/**
 * On a blank, already indented cursor line, a model that writes whole lines (chat-style prompts) repeats the
 * cursor line's indentation: "    return 1;" after "    ". When the completion starts with exactly the cursor
 * line's whitespace and the cursor is already at the block's indentation (the previous code line is indented
 * less, or as much without opening a block), that repeated indentation is dropped. When the previous line opens
 * a block at the cursor's column or deeper, the extra indentation is the block's and is kept.
 */
function dropRetypedIndentation(text: string, cursor: Cursor, prefix: string, rules: LanguageRules): string {
    const ws = cursor.linePrefix;
    if (!cursor.lineIsBlank || ws.length === 0 || !text.startsWith(ws) || isBlankRange(text, 0, ws.length + 1)) {
        return text;
    }
    const previous = previousCodeLine(prefix, cursor.lineStart);
    if (previous === undefined) return text;
    const previousIndent = indentWidth(previous, 0, previous.length);
    const atBlockIndent = previousIndent < cursor.lineIndent
        || (previousIndent === cursor.lineIndent && !opensBlock(previous, rules));
    return atBlockIndent ? text.slice(ws.length) : text;
}

/** Single-line mode: the first line, or "\n" + the next one when the model starts a new line (see step 2). */
function selectFirstLine(text: string, cursor: Cursor, ctx: CompletionContext): string[] {
    const nl = text.indexOf("\n");
    const first = nl === -1 ? text : text.slice(0, nl);
    const next = nextCodeLine(ctx.suffix);
    if (!isBlankRange(first, 0, first.length)) {
        const indent = indentWidth(first, 0, first.length, cursor.lineIndent);
        return cursor.lineIsBlank && next && repeatsLine(first, indent, next) ? [] : [first];
    }
    if (nl === -1 || cursor.lineIsBlank || !cursor.restIsBlank) return [];
    let end = text.indexOf("\n", nl + 1);
    if (end === -1) end = text.length;
    const second = text.slice(nl + 1, end);
    if (isBlankRange(second, 0, second.length)) return [];
    const indent = indentWidth(second, 0, second.length);
    if (indent < cursor.lineIndent) return [];
    if (next && repeatsLine(second, indent, next)) return [];
    return ["", second];
}

/** Multi-line mode: the lines of the completion that stay in the cursor's block (see step 2). */
function selectBlockLines(text: string, cursor: Cursor, ctx: CompletionContext, rules: LanguageRules): string[] {
    const lines: string[] = [];
    const next = nextCodeLine(ctx.suffix);
    const scope: Scope = {minIndent: 0, closerIndent: -1, unitIndent: -1, unitFromCursor: false};
    let start = 0;
    if (!cursor.lineIsBlank) {
        // The first line finishes the cursor line; what follows depends on how that line ends.
        let end = text.indexOf("\n");
        if (end === -1) end = text.length;
        const first = text.slice(0, end);
        lines.push(first);
        if (end === text.length) return lines;
        start = end + 1;
        scope.minIndent = cursor.lineIndent;
        if (opensBlock(cursor.linePrefix + first, rules)) {
            scope.unitIndent = cursor.lineIndent;
            scope.unitFromCursor = true;
        } else if (opensBlock(cursor.linePrefix, rules)) {
            // The block the cursor line opened was filled on that line (`=> x * 2;`): only deeper lines go on.
            scope.minIndent = cursor.lineIndent + 1;
        } else {
            scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, cursor.lineIndent);
        }
    } else {
        scope.minIndent = firstCodeIndent(text, cursor.lineIndent);
        scope.closerIndent = enclosingIndent(ctx.prefix, cursor.lineStart, scope.minIndent);
    }

    let seenCode = false;
    for (let first = lines.length === 0; start <= text.length; first = false) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        const line = text.slice(start, end);
        start = end + 1;
        if (isBlankRange(line, 0, line.length)) {
            lines.push("");
            continue;
        }
        // On a blank cursor line the first line is appended to the cursor line's whitespace.
        const indent = indentWidth(line, 0, line.length, first ? cursor.lineIndent : 0);
        if (next && repeatsLine(line, indent, next)) break;
        if (!seenCode && cursor.lineIsBlank) {
            // The first code line on a blank cursor line sets the block's indentation (scope.minIndent); when
            // it opens a block itself (`for ... {`, `def f():`), the completion ends with that block.
            seenCode = true;
            if (opensBlock(line, rules)) scope.unitIndent = indent;
            lines.push(line);
            continue;
        }
        const verdict = placeLine(line, indent, scope, ctx, cursor, rules);
        if (verdict !== "drop") lines.push(line);
        if (verdict !== "keep") break;
    }
    while (lines.length > 1 && isBlankRange(lines[lines.length - 1], 0, lines[lines.length - 1].length)) lines.pop();
    return lines;
}

interface Scope {
    /** Lines indented less end the completion (but see closerIndent). */
    minIndent: number;
    /** Indentation of the enclosing block's line, whose closing line may end the completion; -1: none. */
    closerIndent: number;
    /** Indentation of the line that opened the completion's block unit; -1 when there is none. */
    unitIndent: number;
    /** The unit was opened by the cursor line, so the document may already close it. */
    unitFromCursor: boolean;
}

/**
 * Where does a line (after the first) stand in the scope? "keep": in the block; "last": kept, and it ends the
 * completion (a closing line); "drop": it ends the completion and is not part of it.
 * - A line at the unit's indentation: its closing line (`}`, `end`) is the last one (left to the document when
 *   the unit is the cursor line's and the suffix already closes it there); a continuation (`} else {`,
 *   `elif x:`, `except E:`) keeps the unit going, unless the document already closes the cursor's block; any
 *   other line is a new statement after the unit and is dropped.
 * - A line indented less than the block: dropped, unless it is the closing line of the enclosing block at that
 *   block's indentation and the suffix does not close it already.
 */
function placeLine(line: string, indent: number, scope: Scope, ctx: CompletionContext, cursor: Cursor,
    rules: LanguageRules): "keep" | "last" | "drop" {
    if (indent === scope.unitIndent) {
        const trimmed = line.trim();
        const documentCloses = scope.unitFromCursor
            && suffixClosesBlockAt(ctx.suffix, cursor.lineSuffix, scope.unitIndent, rules);
        if (isClosingLine(trimmed, rules)) return documentCloses ? "drop" : "last";
        return continuesBlock(trimmed, rules) && !documentCloses ? "keep" : "drop";
    }
    if (indent < scope.minIndent) {
        const closesEnclosing = indent === scope.closerIndent && isClosingLine(line.trim(), rules)
            && !suffixClosesBlockAt(ctx.suffix, cursor.lineSuffix, scope.closerIndent, rules);
        return closesEnclosing ? "last" : "drop";
    }
    return "keep";
}

/** Words that carry a block on (`else`, `except`, ...), at the start of a line at the block's indentation. */
const CONTINUATION_WORDS = ["else", "elif", "elsif", "elseif", "except", "catch", "finally", "rescue", "ensure"];

/** Does this (trimmed) line close a block and open its next part: `} else {`, `} catch (e) {`, `else:`? */
function continuesBlock(trimmed: string, rules: LanguageRules): boolean {
    if (isCloser(trimmed.charCodeAt(0))) return opensBlock(trimmed, rules);
    return CONTINUATION_WORDS.some((w) => trimmed.startsWith(w) && !isIdentChar(trimmed.charCodeAt(w.length)));
}

/** Indentation of the completion's first non-blank line, its first line counted after the cursor's whitespace. */
function firstCodeIndent(text: string, cursorIndent: number): number {
    for (let start = 0, first = true; start < text.length; first = false) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        if (!isBlankRange(text, start, end)) return indentWidth(text, start, end, first ? cursorIndent : 0);
        start = end + 1;
    }
    return 0;
}

/**
 * Is this completion line the suffix's next line again? Same trimmed text, and either the same indentation or
 * a line with a name in it: a bare `}` elsewhere is usually a different block's end.
 */
function repeatsLine(line: string, indent: number, next: SuffixLine): boolean {
    // Compare the trimmed line in place: this runs for every line of a multi-line completion.
    let start = 0;
    while (start < line.length && isSpace(line.charCodeAt(start))) start++;
    let end = line.length;
    while (end > start && isSpace(line.charCodeAt(end - 1))) end--;
    if (end - start !== next.text.length || !line.startsWith(next.text, start)) return false;
    if (indent === next.indent) return true;
    for (let i = start; i < end; i++) if (isIdentChar(line.charCodeAt(i))) return true;
    return false;
}

// ---- Repetition ----

/**
 * The lines before the first sign of a degenerate loop: a run of 3 identical non-blank lines (cut before the
 * run) or a line that repeats a short token sequence (see hasRepeatedSequence; cut before that line). A loop
 * means the model lost track; what it wrote before the loop is kept, and the caller gets undefined when nothing
 * is left.
 */
function cutAtRepetition(lines: string[], cursor: Cursor): string[] {
    let runStart = -1;
    let runLength = 0;
    let previous: string | undefined;
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (isBlankRange(line, 0, line.length)) continue;
        // The first line continues the cursor line, so a loop may have begun before the cursor ("return|return").
        // Only the end of a very long line is checked: a loop runs on to the token limit, so it shows there.
        const continuesCursorLine = i === 0 && !cursor.lineIsBlank && line.length < REPEAT_WINDOW;
        const context = continuesCursorLine ? cursor.linePrefix.slice(-64) : "";
        const tail = line.length > REPEAT_WINDOW ? line.slice(line.length - REPEAT_WINDOW) : line;
        if (hasRepeatedSequence(context + tail, context.length)) return lines.slice(0, i);
        // Lines are compared with their indentation; on a blank cursor line the first one starts after its whitespace.
        const key = i === 0 && cursor.lineIsBlank ? cursor.linePrefix + line : line;
        if (key === previous) {
            if (++runLength === 3) return lines.slice(0, runStart);
        } else {
            runStart = i;
            runLength = 1;
        }
        previous = key;
    }
    return lines;
}

/**
 * Does `s`, at or after `minEnd`, repeat a short token sequence in a row? A unit of 2-16 characters with at
 * least two letters counts 3 times when it is glued identifier characters ("returnreturnreturn") or contains an
 * opening bracket ("foo(foo(foo("), and 5 times otherwise, since short lists are real code
 * ("None, None, None", "true, true, true, true"). An opening bracket 5 times ("(((((") counts too.
 * Units must be primitive ("ff" is "f" twice, so "#ffffff" is fine); one-letter units and digit runs never
 * count (`0x55555555`, `aaa`, "\t\t\t"). One pass over the line for all unit lengths, the last 32 character
 * codes in a ring buffer: linear in the line, and no allocation except one slice per candidate run.
 */
function hasRepeatedSequence(s: string, minEnd: number): boolean {
    const ring = REPEAT_RING;
    const runs = REPEAT_RUNS;
    const targets = REPEAT_TARGETS;
    runs.fill(0);
    let openerRun = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        ring[i & 31] = c;
        const opener = c === LPAREN || c === LBRACKET || c === LBRACE;
        openerRun = opener && i > 0 && c === ring[(i - 1) & 31] ? openerRun + 1 : 0;
        if (openerRun >= 4 && i >= minEnd) return true;
        const maxP = i < MAX_UNIT ? i : MAX_UNIT;
        for (let p = 2; p <= maxP; p++) {
            if (c !== ring[(i - p) & 31]) {
                runs[p] = 0;
                continue;
            }
            // s[i - run, i] has period p, so run = (copies - 1) * p: 3 copies at 2p.
            const run = ++runs[p];
            if (run < 2 * p) continue;
            // What a unit needs is the same for all its rotations: decide once per run.
            if (run === 2 * p) targets[p] = runTarget(s.slice(i - p + 1, i + 1));
            if (run >= targets[p] && i >= minEnd) return true;
        }
    }
    return false;
}

/** The run length, (copies - 1) * unit length, at which a repeated `unit` is a loop; NEVER when it is not one. */
function runTarget(unit: string): number {
    const p = unit.length;
    if (countLetters(unit) < 2 || (unit + unit).indexOf(unit, 1) !== p) return NEVER;
    let glued = true;
    for (let i = 0; i < p; i++) {
        const c = unit.charCodeAt(i);
        if (c === LPAREN || c === LBRACKET || c === LBRACE) return 2 * p;
        if (!isIdentChar(c)) glued = false;
    }
    return glued ? 2 * p : 4 * p;
}

const MAX_UNIT = 16;
/** Characters at the end of a line that are checked for loops. */
const REPEAT_WINDOW = 4096;
const NEVER = 0x7fffffff;
const REPEAT_RING = new Int32Array(32);
const REPEAT_RUNS = new Int32Array(MAX_UNIT + 1);
const REPEAT_TARGETS = new Int32Array(MAX_UNIT + 1);

function countLetters(s: string): number {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i) | 0x20;
        if (c >= 0x61 && c <= 0x7a) n++;
    }
    return n;
}

// ---- Overlap with the suffix, bracket balance ----

/**
 * Step 3, same line: cut the longest end of the completion that equals the beginning of the rest of the cursor
 * line, unless cutting leaves more brackets/quotes opened by the completion unclosed, or closes more brackets
 * opened before the cursor, than before. `f(|)` + "a, b)" → "a, b"; `f(|)` + "g(1)" stays (its `)` is its own).
 */
function trimLineSuffixOverlap(text: string, cursor: Cursor, rules: LanguageRules): string {
    const rest = cursor.lineSuffix;
    if (cursor.restIsBlank) return text;
    const lineStart = text.lastIndexOf("\n") + 1;
    const max = Math.min(text.length - lineStart, rest.length, 256);
    let whole: BracketTally | undefined;
    for (let k = max; k > 0; k--) {
        if (!endsWithStartOf(text, rest, k)) continue;
        whole ??= tallyBrackets(text, cursor, rules);
        const cut = tallyBrackets(text.slice(0, text.length - k), cursor, rules);
        if (cut.unclosed <= whole.unclosed && cut.excess.length <= whole.excess.length) {
            return text.slice(0, text.length - k);
        }
    }
    return text;
}

/**
 * Step 3, same line: what the overlap cut leaves may still close, in its middle, a bracket or string opened
 * before the cursor that the editor has already closed after it (`println(|)` + `"hello");`). An insertion
 * cannot remove the editor's closer, so the completion is cut before its own: `"hello"`.
 */
function cutAtClosersTheLineSupplies(text: string, cursor: Cursor, rules: LanguageRules): string {
    if (cursor.restIsBlank) return text;
    const next = cursor.lineSuffix.trimStart().charCodeAt(0);
    if (!isCloser(next) && next !== DQUOTE && next !== SQUOTE && next !== BACKTICK) return text;
    for (const i of tallyBrackets(text, cursor, rules).excess) {
        if (text.charCodeAt(i) === next) return text.slice(0, i);
    }
    return text;
}

function endsWithStartOf(text: string, rest: string, k: number): boolean {
    const offset = text.length - k;
    for (let i = 0; i < k; i++) if (text.charCodeAt(offset + i) !== rest.charCodeAt(i)) return false;
    return true;
}

/**
 * Step 3, end of line: a one-line completion that ends in closing brackets it did not open (`b)` after
 * `foo(a, `) loses them when the suffix's next characters are those brackets (`)` on the next line). Closing
 * lines of multi-line completions are governed by the indentation rule instead.
 */
function dropClosersTheSuffixSupplies(text: string, suffix: string, cursor: Cursor, rules: LanguageRules): string {
    let next = 0;
    while (next < suffix.length && next < MAX_CONTEXT_CHARS && isSpaceOrNewline(suffix.charCodeAt(next))) next++;
    if (!isCloser(suffix.charCodeAt(next))) return text;
    const lineStart = text.lastIndexOf("\n") + 1;
    if (lineStart > 0 && isClosingLine(text.slice(lineStart, lineStart + MAX_LINE_CHARS).trim(), rules)) return text;
    const tally = tallyBrackets(text, cursor, rules);
    if (tally.excess.length === 0) return text;
    // The tail: unmatched closers, `;`, `,` and whitespace, with at least one closer.
    let tailStart = text.length;
    let excessIndex = tally.excess.length - 1;
    let closers = 0;
    while (tailStart > lineStart) {
        const i = tailStart - 1;
        const c = text.charCodeAt(i);
        if (excessIndex >= 0 && tally.excess[excessIndex] === i) {
            excessIndex--;
            closers++;
        } else if (!(c === SEMICOLON || c === COMMA || isSpace(c))) {
            break;
        }
        tailStart = i;
    }
    if (closers === 0) return text;
    // Compare the tail with the suffix's next characters, whitespace ignored on both sides.
    let j = next;
    for (let i = tailStart; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (isSpace(c)) continue;
        while (j < suffix.length && j < MAX_CONTEXT_CHARS && isSpaceOrNewline(suffix.charCodeAt(j))) j++;
        if (suffix.charCodeAt(j) !== c) return text;
        j++;
    }
    return text.slice(0, tailStart);
}

interface BracketTally {
    /** Brackets (and strings) the text opens and does not close. */
    unclosed: number;
    /** Positions of closing brackets (and quotes) that close something opened before the text. */
    excess: number[];
}

/** Counts the completion's own brackets, starting from the string/comment state at the cursor. */
function tallyBrackets(text: string, cursor: Cursor, rules: LanguageRules): BracketTally {
    const state: ScanState = {...cursor.state};
    const stack: number[] = [];
    const excess: number[] = [];
    scan(text, rules, state, stack, excess);
    return {unclosed: stack.length + (state.quote !== 0 && !state.quoteFromBefore ? 1 : 0), excess};
}

// ---- A small code scanner: strings, line comments, brackets ----

interface ScanState {
    /** Char code of the quote of the open string, 0 outside strings. */
    quote: number;
    /** The open string is a Python triple-quoted one. */
    triple: boolean;
    /** The open string was opened before the scanned text (the cursor is inside it). */
    quoteFromBefore: boolean;
    inComment: boolean;
}

function freshState(): ScanState {
    return {quote: 0, triple: false, quoteFromBefore: false, inComment: false};
}

/**
 * Scans code, updating `state`; with `stack`/`excess`, also tracks brackets outside strings and comments.
 * Single- and double-quoted strings end at a newline; backtick and triple-quoted strings span lines. Block
 * comments are not tracked (rare around a cursor, and harmless here). Returns where a line comment starts on
 * the last line, or -1.
 */
function scan(text: string, rules: LanguageRules, state: ScanState, stack?: number[], excess?: number[]): number {
    let commentAt = -1;
    // First characters of the comment markers, so that most characters cost one comparison.
    const comment0 = rules.lineComments.length > 0 ? rules.lineComments[0].charCodeAt(0) : -1;
    const comment1 = rules.lineComments.length > 1 ? rules.lineComments[1].charCodeAt(0) : -1;
    if (state.quote !== 0) state.quoteFromBefore = true;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === NEWLINE) {
            state.inComment = false;
            commentAt = -1;
            if (state.quote !== 0 && state.quote !== BACKTICK && !state.triple) state.quote = 0;
            continue;
        }
        if (state.inComment) continue;
        if (state.quote !== 0) {
            if (c === BACKSLASH) {
                i++;
            } else if (c === state.quote) {
                if (!state.triple) {
                    closeString(state, i, excess);
                } else if (text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c) {
                    closeString(state, i, excess);
                    i += 2;
                }
            }
            continue;
        }
        if ((c === comment0 || c === comment1) && isLineCommentAt(text, i, rules)) {
            state.inComment = true;
            commentAt = i;
            continue;
        }
        if (c === DQUOTE || c === BACKTICK || c === SQUOTE) {
            if (c === SQUOTE && !rules.singleQuoteStrings) {
                i = skipCharLiteral(text, i);
                continue;
            }
            if (c === SQUOTE && isApostrophe(text, i)) continue;
            state.quote = c;
            state.quoteFromBefore = false;
            state.triple = rules.tripleQuotes && c !== BACKTICK
                && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
            if (state.triple) i += 2;
            continue;
        }
        if (!stack || !excess) continue;
        if (c === LPAREN || c === LBRACKET || c === LBRACE) {
            stack.push(c);
        } else if (isCloser(c)) {
            if (stack.length > 0 && stack[stack.length - 1] === openerOf(c)) stack.pop();
            else excess.push(i);
        }
    }
    return commentAt;
}

/** A `'` right after a word is an apostrophe (don't), unless the word is a string prefix (f'', rb'', u''). */
function isApostrophe(text: string, i: number): boolean {
    let start = i;
    while (start > 0 && i - start < 3 && isIdentChar(text.charCodeAt(start - 1))) start--;
    if (start === i) return false;
    if (i - start > 2) return true;
    for (let j = start; j < i; j++) if (!"fFrRbBuU".includes(text[j])) return true;
    return false;
}

function closeString(state: ScanState, i: number, excess: number[] | undefined): void {
    if (state.quoteFromBefore) excess?.push(i);
    state.quote = 0;
    state.triple = false;
    state.quoteFromBefore = false;
}

/** Skips a char literal ('a', '\n', '\u{1F600}') and returns the index of its closing quote; else stays put. */
function skipCharLiteral(text: string, i: number): number {
    if (text.charCodeAt(i + 1) === BACKSLASH) {
        const close = text.indexOf("'", i + 2);
        return close !== -1 && close - i <= 12 ? close : i;
    }
    return text.charCodeAt(i + 2) === SQUOTE ? i + 2 : i;
}

function isLineCommentAt(text: string, i: number, rules: LanguageRules): boolean {
    for (const marker of rules.lineComments) {
        if (text.charCodeAt(i) === marker.charCodeAt(0) && text.startsWith(marker, i)) return true;
    }
    return false;
}

// ---- Small helpers ----

/** Joins lines, trimming trailing whitespace of each (of the last one only when nothing follows the cursor). */
function joinTrimmed(lines: string[], trimLast: boolean): string {
    let out = "";
    for (let i = 0; i < lines.length; i++) {
        const line = i < lines.length - 1 || trimLast ? lines[i].trimEnd() : lines[i];
        out += i === 0 ? line : "\n" + line;
    }
    return out;
}

/** Drops a last line that is only the beginning of a special token ("<|file_sep", "<end_of"). */
function dropPartialTokenLine(text: string, rules: LanguageRules): string {
    const lineStart = text.lastIndexOf("\n") + 1;
    let start = lineStart;
    while (start < text.length && isSpace(text.charCodeAt(start))) start++;
    if (!isPartialStopToken(text, start, text.length, rules)) return text;
    return text.slice(0, Math.max(0, lineStart - 1)).trimEnd();
}

/**
 * Indentation width of text[start, end) (its leading spaces and tabs), tabs to the next multiple of TAB_WIDTH;
 * `w` is the width already there (a blank cursor line's whitespace before a completion's first line).
 */
function indentWidth(text: string, start: number, end: number, w = 0): number {
    for (let i = start; i < end; i++) {
        const c = text.charCodeAt(i);
        if (c === SPACE) w++;
        else if (c === TAB) w = w - (w % TAB_WIDTH) + TAB_WIDTH;
        else break;
    }
    return w;
}

function firstNonBlankLineStart(text: string): number {
    for (let start = 0; start < text.length;) {
        let end = text.indexOf("\n", start);
        if (end === -1) end = text.length;
        if (!isBlankRange(text, start, end)) return start;
        start = end + 1;
    }
    return -1;
}

/** Is text[start, end) empty or only spaces, tabs, "\r" and "\n"? */
function isBlankRange(text: string, start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (!isSpaceOrNewline(text.charCodeAt(i))) return false;
    return true;
}

function lastCharCode(s: string): number {
    return s.length === 0 ? -1 : s.charCodeAt(s.length - 1);
}

function isSpace(c: number): boolean {
    return c === SPACE || c === TAB || c === CR;
}

function isSpaceOrNewline(c: number): boolean {
    return c === SPACE || c === TAB || c === CR || c === NEWLINE || c === 0x0b || c === 0x0c || c === 0xa0;
}

function isIdentChar(c: number): boolean {
    const lower = c | 0x20;
    return (c >= 0x30 && c <= 0x39) || (lower >= 0x61 && lower <= 0x7a) || c === 0x5f || c === 0x24 || c > 0x7f;
}

function isCloser(c: number): boolean {
    return c === RPAREN || c === RBRACKET || c === RBRACE;
}

function openerOf(closer: number): number {
    return closer === RPAREN ? LPAREN : closer === RBRACKET ? LBRACKET : LBRACE;
}
