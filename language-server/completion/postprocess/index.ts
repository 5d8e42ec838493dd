// Postprocessing of raw inline-completion text. The model only guesses "what comes next"; this pipeline turns the
// guess into something safe to show as ghost text: no special tokens or chat artefacts, nothing the document
// already has right after the cursor, no multi-line run-off past the current block, no brackets the document
// would then have twice, no junk. It is pure and synchronous and runs on every keystroke, so it looks only at
// the cursor's neighbourhood (bounded scans of the prefix and suffix, never the whole document), is linear in
// the length of the model's output, and uses no regular expression that could backtrack on long input.
//
// One module per filter, chained below in this order (test/golden/postprocess/<filter>/ holds each one's cases):
//   specialTokens.ts     1. cut at control tokens, chat fences, a partial token at the end
//   whitespace.ts        2. "\r\n" → "\n"; drop indentation the model re-typed on a blank cursor line
//   multiline.ts         3a. single-line: the first line (or "\n" + the next one at the end of a line)
//   indentationScope.ts  3b. multi-line: the lines that stay in the cursor's block (decideMultiline chose 3a or 3b)
//   whitespace.ts        4. no doubled space after the cursor
//   repetition.ts        5. cut before a degenerate loop
//   whitespace.ts        6. join the lines, trailing whitespace trimmed
//   suffixOverlap.ts     7. cut what the rest of the cursor line already has
//   brackets.ts          8. cut closers the rest of the line supplies; drop closers the next lines supply
//   specialTokens.ts     9. drop a last line that is only a fragment of a special token
// Shared by the filters: context.ts (the cursor's neighbourhood), scanner.ts (strings, comments, brackets),
// languages.ts (per-language rules), text.ts (bounds, character helpers).
import {isBlankRange} from "./text";
import {rulesFor} from "./languages";
import {type CompletionContext, describeCursor, type PostprocessOptions} from "./context";
import {dropPartialTokenLine, truncateAtStopSignals} from "./specialTokens";
import {selectFirstLine} from "./multiline";
import {selectBlockLines} from "./indentationScope";
import {cutAtRepetition} from "./repetition";
import {trimLineSuffixOverlap} from "./suffixOverlap";
import {cutAtClosersTheLineSupplies, dropClosersTheSuffixSupplies} from "./brackets";
import {dropDoubledSpace, dropRetypedIndentation, joinTrimmed, normalizeLineEnds} from "./whitespace";

export type {CompletionContext, PostprocessOptions} from "./context";
export {decideMultiline} from "./multiline";
export {truncateAtStopSignals} from "./specialTokens";

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
 *      end the completion, except the enclosing block's closing line when the suffix does not have it (and
 *      after it the closing lines of the blocks around it that the suffix leaves open too), or the enclosing
 *      block's continuation (`else:`, `} else {`) when the suffix neither closes nor continues that block: then
 *      that part's body follows and the completion ends with it. When the first line opens a block itself
 *      (`for ... {`, `def f():`), the completion ends with that block.
 *    - When the cursor line opened a block that the first line fills and closes (`=> x * 2;`): only deeper
 *      lines (continuations of that line) follow.
 *    - At the end of any other line: the lines indented at least as much as the cursor line.
 *    Both: the completion also ends before a line that repeats the suffix's next non-blank line (the model
 *    re-typing code below the cursor; a line of punctuation only, such as `"""`, only when the completion's next
 *    line is the suffix's next one too), and before a run of 3 identical lines or a line that repeats a short
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
    let text = normalizeLineEnds(truncateAtStopSignals(raw, ctx.languageId));
    if (isBlankRange(text, 0, text.length)) return undefined;
    const cursor = describeCursor(ctx, rules);
    text = dropRetypedIndentation(text, cursor, ctx.prefix, rules);

    const lines = opts.multiline ? selectBlockLines(text, cursor, ctx, rules) : selectFirstLine(text, cursor, ctx);
    if (lines.length === 0) return undefined;
    dropDoubledSpace(lines, cursor);
    const kept = cutAtRepetition(lines, cursor);
    if (kept.length === 0) return undefined;

    let result = joinTrimmed(kept, cursor.restIsBlank);
    result = trimLineSuffixOverlap(result, cursor, rules);
    result = cutAtClosersTheLineSupplies(result, cursor, rules);
    if (cursor.restIsBlank) result = dropClosersTheSuffixSupplies(result, ctx.suffix, cursor, rules).trimEnd();
    result = dropPartialTokenLine(result, rules);
    return isBlankRange(result, 0, result.length) ? undefined : result;
}
