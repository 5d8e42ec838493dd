// Turns a model's reply to "rewrite this code" into the code alone, while it streams. A reply that opens with a
// Markdown fence gives the fence's content (the fence line and the closing fence dropped, anything after ignored);
// any other reply is taken whole. What is returned only ever grows, so each call's new part can be streamed: text
// that may still turn out to be a fence is held back until the next token decides.

export class FencedCode {
    private mode: "undecided" | "fenced" | "raw" = "undecided";
    private closed = false;

    /** The code in `reply` (the whole reply so far), `final` once nothing more comes. */
    extract(reply: string, final = false): string {
        const lead = reply.trimStart();
        if (this.mode === "undecided") {
            if (lead.startsWith("```")) this.mode = "fenced";
            else if (lead.length >= 3 || (final && lead) || (lead && !"```".startsWith(lead))) this.mode = "raw";
            else return "";
        }
        if (this.mode === "raw") return final ? reply : holdBackFence(reply);
        const open = lead.indexOf("\n");
        if (open < 0) return "";
        const body = lead.slice(open + 1);
        const close = /(^|\n)```/.exec(body);
        if (close) {
            this.closed = true;
            return body.slice(0, close.index + close[1].length);
        }
        return final ? body : holdBackFence(body);
    }

    /** Whether the closing fence came: the rest of the reply is not code (callers may stop generating). */
    get done() {
        return this.closed;
    }
}

/** Drops a trailing partial line that could still become a closing fence (`, ``, ```). */
function holdBackFence(text: string): string {
    const lastBreak = text.lastIndexOf("\n");
    const tail = text.slice(lastBreak + 1);
    return tail && "```".startsWith(tail) ? text.slice(0, lastBreak + 1) : text;
}
