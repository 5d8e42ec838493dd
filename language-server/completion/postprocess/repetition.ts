// Filter: repetition. Cuts a suggestion before the model's degenerate loops (identical lines, repeated tokens).
import {isBlankRange, isIdentChar, LBRACE, LBRACKET, LPAREN} from "./text";
import type {Cursor} from "./context";

/**
 * The lines before the first sign of a degenerate loop: a run of 3 identical non-blank lines (cut before the
 * run) or a line that repeats a short token sequence (see hasRepeatedSequence; cut before that line). A loop
 * means the model lost track; what it wrote before the loop is kept, and the caller gets undefined when nothing
 * is left.
 */
export function cutAtRepetition(lines: string[], cursor: Cursor): string[] {
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
export function hasRepeatedSequence(s: string, minEnd: number): boolean {
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
export function runTarget(unit: string): number {
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

export const MAX_UNIT = 16;

/** Characters at the end of a line that are checked for loops. */
export const REPEAT_WINDOW = 4096;

export const NEVER = 0x7fffffff;

export const REPEAT_RING = new Int32Array(32);

export const REPEAT_RUNS = new Int32Array(MAX_UNIT + 1);

export const REPEAT_TARGETS = new Int32Array(MAX_UNIT + 1);

export function countLetters(s: string): number {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i) | 0x20;
        if (c >= 0x61 && c <= 0x7a) n++;
    }
    return n;
}
