// Filter: suffix overlap. Cuts the end of a suggestion that the rest of the cursor line already has.
import type {LanguageRules} from "./languages";
import type {Cursor} from "./context";
import {type BracketTally, tallyBrackets} from "./brackets";

/**
 * Step 3, same line: cut the longest end of the completion that equals the beginning of the rest of the cursor
 * line, unless cutting leaves more brackets/quotes opened by the completion unclosed, or closes more brackets
 * opened before the cursor, than before. `f(|)` + "a, b)" → "a, b"; `f(|)` + "g(1)" stays (its `)` is its own).
 */
export function trimLineSuffixOverlap(text: string, cursor: Cursor, rules: LanguageRules): string {
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

export function endsWithStartOf(text: string, rest: string, k: number): boolean {
    const offset = text.length - k;
    for (let i = 0; i < k; i++) if (text.charCodeAt(offset + i) !== rest.charCodeAt(i)) return false;
    return true;
}
