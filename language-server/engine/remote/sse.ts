// A parser for server-sent events (the WHATWG "text/event-stream" format) as inference servers send them:
// `data: {json}` lines, events separated by a blank line, `data: [DONE]` at the end of OpenAI-style streams.
// Fed with decoded text chunks as they arrive; a line or an event may be split anywhere between chunks.
import * as l10n from "../../l10n";

export interface SseEvent {
    /** The `event:` field; "message" when absent. */
    event: string;
    /** The `data:` lines of the event, joined with "\n". */
    data: string;
}

/** Thrown for a stream that is not server-sent events at all (a line longer than any event could be). */
export class SseFormatError extends Error {}

/** Bounds of one line and one event: a token's event is well under 1 KB, llama-server's last one a few KB. */
const MAX_LINE = 1024 * 1024;
const MAX_EVENT = 1024 * 1024;

export class SseParser {
    private buffer = "";
    private data: string[] = [];
    private dataLength = 0;
    private event = "";
    /** The last chunk ended with "\r": a "\n" starting the next one belongs to the same line break. */
    private pendingCR = false;

    /** Adds text; returns the events it completed. */
    feed(text: string): SseEvent[] {
        const events: SseEvent[] = [];
        if (this.pendingCR && text.startsWith("\n")) text = text.slice(1);
        this.pendingCR = false;
        this.buffer += text;
        let start = 0;
        for (let i = 0; i < this.buffer.length; i++) {
            const ch = this.buffer.charCodeAt(i);
            if (ch !== 10 && ch !== 13) continue;
            this.line(this.buffer.slice(start, i), events);
            if (ch === 13) {
                if (i + 1 < this.buffer.length) {
                    if (this.buffer.charCodeAt(i + 1) === 10) i++;
                } else {
                    this.pendingCR = true;
                }
            }
            start = i + 1;
        }
        this.buffer = this.buffer.slice(start);
        if (this.buffer.length > MAX_LINE) throw new SseFormatError(l10n.t("a line of more than {0} characters", MAX_LINE));
        return events;
    }

    /** The stream ended: an event without its closing blank line still counts (servers often omit it). */
    end(): SseEvent[] {
        const events: SseEvent[] = [];
        if (this.buffer) this.line(this.buffer, events);
        this.buffer = "";
        this.line("", events);
        return events;
    }

    private line(line: string, events: SseEvent[]) {
        if (line === "") {
            if (this.data.length) events.push({event: this.event || "message", data: this.data.join("\n")});
            this.data = [];
            this.dataLength = 0;
            this.event = "";
            return;
        }
        if (line.startsWith(":")) return; // a comment (keep-alive)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") this.push(value);
        else if (field === "event") this.event = value;
        // "id" and "retry" mean nothing for a one-shot request; unknown fields are ignored, as the format says.
        // Some servers (llama-server among them) send an error as `error: {json}`: keep it as an "error" event.
        else if (field === "error") {
            this.push(value);
            this.event = "error";
        }
    }

    private push(value: string) {
        this.dataLength += value.length + 1;
        if (this.dataLength > MAX_EVENT) throw new SseFormatError(l10n.t("an event of more than {0} characters", MAX_EVENT));
        this.data.push(value);
    }
}
