// Where a range of a document is after the document changed, or null when the change touched the range itself.
// Used by gemma/edit (server) and by the editor before applying an accepted edit: an edit must never land on lines it
// was not written for. The changed region is found as the part between the longest common prefix and suffix of the
// two texts, so several edits on both sides of the range count as one that covers it (refused: safe, not clever).

export interface OffsetRange {
    start: number;
    end: number;
}

export function rebaseRange(before: string, range: OffsetRange, after: string): OffsetRange | null {
    if (before === after) return {...range};
    const max = Math.min(before.length, after.length);
    let prefix = 0;
    while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
    let suffix = 0;
    while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
    const changedEnd = before.length - suffix;
    // Entirely after the range (an insertion exactly at an empty range is ambiguous: refused).
    if (prefix >= range.end && prefix > range.start) return {...range};
    // Entirely before it.
    if (changedEnd <= range.start && changedEnd < range.end) {
        const shift = after.length - before.length;
        return {start: range.start + shift, end: range.end + shift};
    }
    return null;
}
