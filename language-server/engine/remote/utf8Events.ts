// Text deltas of a server-sent event stream, decoded as UTF-8 across events. A server that writes its model's bytes
// into JSON as they come (rather than holding back an incomplete character) sends a multi-byte character split
// between two events: each event alone is not valid UTF-8, and decoding them one by one shows "\ufffd\ufffd" where
// one character belongs. So a stream is read as bytes (one latin1 character per byte, see http.ts `bytes`), each
// event is decoded on its own when it is valid UTF-8 (the usual case), and otherwise its string values are taken as
// the raw bytes they hold, fed to one streaming decoder per answer that completes a character with the next event's
// bytes. Bytes that never form a character are dropped, never shown as "\ufffd".

/** An event's data, decoded: `raw` when it was not valid UTF-8 and its strings hold bytes (latin1), not text. */
export function decodeEventData(latin1: string): {text: string; raw: boolean} {
    // Pure ASCII (most events): nothing to decode.
    if (!/[\x80-\xff]/.test(latin1)) return {text: latin1, raw: false};
    const bytes = Buffer.from(latin1, "latin1");
    try {
        return {text: strict.decode(bytes), raw: false};
    } catch {
        return {text: latin1, raw: true};
    }
}

const strict = new TextDecoder("utf-8", {fatal: true});

export class Utf8Deltas {
    private readonly decoder = new TextDecoder("utf-8");

    /** A delta from an event; returns the whole characters it completes. */
    push(delta: string, raw: boolean): string {
        return clean(this.decoder.decode(raw ? rawBytes(delta) : Buffer.from(delta, "utf8"), {stream: true}));
    }

    /** The answer ended: bytes of a character never completed are dropped. */
    end(): string {
        return clean(this.decoder.decode());
    }
}

/** A body read as bytes (http.ts `bytes`) as text. */
export function textOfBytes(latin1: string): string {
    return Buffer.from(latin1, "latin1").toString("utf8");
}

function clean(text: string) {
    return text.includes("\ufffd") ? text.replace(/\ufffd/g, "") : text;
}

/** A string from an event that was not UTF-8: characters up to U+00FF are its bytes; others came from \u escapes. */
function rawBytes(s: string): Buffer {
    const out: number[] = [];
    for (const ch of s) {
        const cp = ch.codePointAt(0)!;
        if (cp <= 0xff) out.push(cp);
        else out.push(...Buffer.from(ch, "utf8"));
    }
    return Buffer.from(out);
}
