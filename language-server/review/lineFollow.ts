// Where the lines of one version of a text are in another version. The versions are compared line by line: the
// lines before the first difference and after the last one are the same lines, moved by the change in length; a
// comment on lines inside the changed region is kept only if its lines occur exactly once there. Searching the
// whole file for the nearest identical line instead put comments on the wrong "}" after Apply then Undo.

export interface LineMap {
    /** The new start line of a block of `anchor` lines that started at `line`, or undefined when it is gone. */
    (line: number, anchor: string[]): number | undefined;
}

export function lineMap(oldLines: string[], newLines: string[]): LineMap {
    let prefix = 0;
    const shortest = Math.min(oldLines.length, newLines.length);
    while (prefix < shortest && oldLines[prefix] === newLines[prefix]) prefix++;
    let suffix = 0;
    while (suffix < shortest - prefix && oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]) suffix++;
    const oldChangedEnd = oldLines.length - suffix;
    const newChangedEnd = newLines.length - suffix;
    const shift = newLines.length - oldLines.length;
    return (line, anchor) => {
        if (oldLines.length === newLines.length && prefix === oldLines.length) return line;
        if (line + anchor.length <= prefix) return line;
        if (line >= oldChangedEnd) return line + shift;
        // Inside the changed region: a block found once there (it may reach into the unchanged lines around).
        const matchesAt = (i: number) => anchor.every((l, k) => newLines[i + k] === l);
        const from = Math.max(0, prefix - anchor.length + 1);
        const to = Math.min(newChangedEnd - 1, newLines.length - anchor.length);
        let found: number | undefined;
        for (let i = from; i <= to; i++) {
            if (!matchesAt(i)) continue;
            if (found !== undefined) return undefined;
            found = i;
        }
        return found;
    };
}

/** Lines as the review numbers them: \r\n and \n end a line. */
export function splitLines(text: string): string[] {
    return text.split(/\r\n|\r|\n/);
}
