// Filter: the single-line / multi-line decision (before generation: how many lines may the suggestion have?) and,
// for a single-line suggestion, which line of the output is kept.
import {indentWidth, isBlankRange} from "./text";
import {rulesFor} from "./languages";
import {type CompletionContext, type Cursor, describeCursor, endsMidExpression, nextCodeLine, opensBlock,
    previousCodeLine, repeatsLine} from "./context";

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

/** Single-line mode: the first line, or "\n" + the next one when the model starts a new line (see step 2). */
export function selectFirstLine(text: string, cursor: Cursor, ctx: CompletionContext): string[] {
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
