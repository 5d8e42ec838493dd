// The plain-text transcript a model without a chat template gets for chat, explain and review, from both engines
// (local/chatGeneration.ts tokenizes it; remote/session.ts sends it to the server's completion endpoint), and the
// rule for what of a reply generated after it is shown while it streams.
//
// Models whose GGUF has no chat template are base (pretrained) models: the Gemma 3 270M on PyPI is one. Gemma's
// turn tokens are untrained in them, and they answer a Gemma turn by repeating it — the instructions first
// (bench/run-chat-layouts.ts: 10 of 10 replies did, whichever way the instructions were folded into the turn); a
// llama-server serving such a GGUF renders chats with a fallback template (ChatML) the model has never seen, with
// the same result. Such a model gets a plain-text transcript instead, which is what it has seen in pretraining: one
// worked question and answer, then each user turn as "Question: …" and each reply as "Answer: …". The system text
// (instructions addressed to an assistant, which a base model only continues) is left out; the stops end the answer
// where the model would start the next question.
import type {ChatTurn} from "./engine";

export const TRANSCRIPT_PREAMBLE = "Programming questions and their answers, in plain English, with code in Markdown fences.\n\n"
    + "Question: What does `len(items)` return in Python?\n"
    + "Answer: The number of elements in the list `items`, for example `len([1, 2, 3])` is `3`.\n\n";
export const TRANSCRIPT_STOPS = ["\nQuestion:", "\nAnswer:", "<end_of_turn>", "<start_of_turn>"];

export function transcriptPrompt(history: ChatTurn[]): string {
    let text = TRANSCRIPT_PREAMBLE;
    for (const turn of history) {
        if (turn.role === "user") text += `Question: ${turn.content.trim()}\nAnswer:`;
        else if (turn.role === "assistant" && turn.content.trim()) text += ` ${turn.content.trim()}\n\n`;
    }
    return text;
}

/**
 * What may be shown of a reply generated so far: cut at the first stop and, until the reply is final, without a
 * tail that may be the start of one; after a transcript (`trim`) also without the space after "Answer:" and (until
 * the end) trailing whitespace. What is shown while streaming is therefore always a prefix of the final text.
 */
export function visibleReply(text: string, stops: readonly string[], final: boolean, trim: boolean): string {
    let end = text.length;
    for (const stop of stops) {
        const at = text.indexOf(stop);
        if (at >= 0) end = Math.min(end, at);
    }
    if (!final) {
        for (const stop of stops) {
            for (let k = Math.min(stop.length - 1, end); k > 0; k--) {
                if (text.endsWith(stop.slice(0, k), end)) {
                    end -= k;
                    break;
                }
            }
        }
    }
    const shown = text.slice(0, end);
    return trim ? shown.replace(/^\s+/, "").trimEnd() : shown;
}

/** Streams a reply's visible text as deltas: call with the whole text so far; returns what is shown. */
export function visibleDeltas(stops: readonly string[], trim: boolean, onDelta?: (text: string) => void) {
    let sent = 0;
    return (text: string, final: boolean) => {
        const shown = visibleReply(text, stops, final, trim);
        // The shown text only ever grows: a held-back tail is either sent later or was a stop.
        if (shown.length > sent && onDelta) onDelta(shown.slice(sent));
        sent = Math.max(sent, shown.length);
        return shown;
    };
}
