// Remembers recent suggestions so that (a) asking again at the same spot costs nothing, and (b) typing the first
// characters of a suggestion that is showing reuses it instead of running the model again ("typed-ahead").
// Keys use the text near the cursor, not whole documents: a 5 MB file must not be hashed per keystroke.

const PREFIX_TAIL = 1000;
const SUFFIX_HEAD = 400;

export interface CursorText {
    uri: string;
    prefix: string;
    suffix: string;
}

interface Entry {
    uri: string;
    prefixLength: number;
    prefixTail: string;
    suffixHead: string;
    completion: string;
}

export class SuggestionCache {
    private readonly entries = new Map<string, Entry>();

    constructor(private readonly capacity = 250) {}

    remember(at: CursorText, completion: string) {
        const entry: Entry = {
            uri: at.uri, prefixLength: at.prefix.length, prefixTail: at.prefix.slice(-PREFIX_TAIL),
            suffixHead: at.suffix.slice(0, SUFFIX_HEAD), completion
        };
        const key = keyOf(entry);
        this.entries.delete(key);
        this.entries.set(key, entry);
        if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }

    /** A cached suggestion for this exact spot, or the rest of one whose start the user has just typed. */
    lookup(at: CursorText): {completion: string; typedAhead: boolean} | undefined {
        const exact = this.entries.get(keyOf({
            uri: at.uri, prefixLength: at.prefix.length, prefixTail: at.prefix.slice(-PREFIX_TAIL), suffixHead: at.suffix.slice(0, SUFFIX_HEAD)
        }));
        if (exact) {
            this.touch(exact);
            return {completion: exact.completion, typedAhead: false};
        }
        // Newest first: the suggestion on screen is the most recent one for this document.
        const recent = [...this.entries.values()].reverse();
        for (const e of recent.slice(0, 16)) {
            const rest = typedAheadRest(e, at);
            if (rest) {
                this.touch(e);
                return {completion: rest, typedAhead: true};
            }
        }
        return undefined;
    }

    clear(uri?: string) {
        if (!uri) return this.entries.clear();
        for (const [k, e] of this.entries) if (e.uri === uri) this.entries.delete(k);
    }

    private touch(e: Entry) {
        const key = keyOf(e);
        this.entries.delete(key);
        this.entries.set(key, e);
    }
}

/** If `at` is `e`'s spot plus typed text that begins `e.completion`, what is left of the completion. */
export function typedAheadRest(e: {uri: string; prefixLength: number; prefixTail: string; suffixHead: string; completion: string},
                               at: CursorText): string | undefined {
    if (e.uri !== at.uri || at.prefix.length <= e.prefixLength) return undefined;
    const typedLength = at.prefix.length - e.prefixLength;
    if (typedLength >= e.completion.length) return undefined;
    if (at.suffix.slice(0, SUFFIX_HEAD) !== e.suffixHead) return undefined;
    const typed = at.prefix.slice(e.prefixLength);
    if (!e.completion.startsWith(typed)) return undefined;
    if (at.prefix.slice(e.prefixLength - e.prefixTail.length, e.prefixLength) !== e.prefixTail) return undefined;
    return e.completion.slice(typedLength);
}

function keyOf(e: {uri: string; prefixLength: number; prefixTail: string; suffixHead: string}) {
    return `${e.uri}\u0000${e.prefixLength}\u0000${e.prefixTail}\u0000${e.suffixHead}`;
}
