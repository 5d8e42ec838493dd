// Splits a file into review chunks at top-level declarations, each within a token budget, so a long file is
// reviewed piece by piece and every piece is a whole function or class where possible.

export interface LineSpan {
    /** 0-based, inclusive start and exclusive end. */
    start: number;
    end: number;
}

const CLOSER = /^[}\])]|^(end|fi|done|esac)\b/;

/** A line that starts a new top-level block: not blank, not indented, not a closing bracket or `end`. */
export function isTopLevelStart(line: string): boolean {
    return line.length > 0 && !/^\s/.test(line) && !CLOSER.test(line);
}

export function chunkLines(lines: string[], span: LineSpan, budget: number, count: (s: string) => number): LineSpan[] {
    // Blocks between top-level starts.
    const blocks: LineSpan[] = [];
    let blockStart = span.start;
    for (let i = span.start + 1; i < span.end; i++) {
        if (isTopLevelStart(lines[i])) {
            blocks.push({start: blockStart, end: i});
            blockStart = i;
        }
    }
    if (span.end > blockStart) blocks.push({start: blockStart, end: span.end});

    const chunks: LineSpan[] = [];
    let current: LineSpan | undefined;
    let currentCost = 0;
    for (const block of blocks) {
        const cost = count(lines.slice(block.start, block.end).join("\n"));
        if (cost > budget) {
            if (current) chunks.push(current);
            current = undefined;
            currentCost = 0;
            chunks.push(...splitBlock(lines, block, budget, count));
            continue;
        }
        if (current && currentCost + cost <= budget) {
            current.end = block.end;
            currentCost += cost;
        } else {
            if (current) chunks.push(current);
            current = {...block};
            currentCost = cost;
        }
    }
    if (current) chunks.push(current);
    return chunks;
}

/** A block larger than the budget is cut into consecutive line ranges that fit. */
function splitBlock(lines: string[], block: LineSpan, budget: number, count: (s: string) => number): LineSpan[] {
    const out: LineSpan[] = [];
    let start = block.start;
    let cost = 0;
    for (let i = block.start; i < block.end; i++) {
        const c = count(lines[i]) + 1;
        if (cost + c > budget && i > start) {
            out.push({start, end: i});
            start = i;
            cost = 0;
        }
        cost += c;
    }
    out.push({start, end: block.end});
    return out;
}
