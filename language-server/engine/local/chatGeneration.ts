// Generates one assistant reply for a chat history on the task sequence. The prompt is rendered by the chat
// wrapper node-llama-cpp resolves from the model (Gemma's turns for Gemma; user text stays text, never special
// tokens), or, for a base model without a chat template, as a plain-text transcript (transcriptPrompt below), and generation runs through our own loop (generator.ts): LlamaChatSession.prompt measured 4.5x
// slower per token here (17 vs 75 tok/s on the tiny model), and it ignores aborts during prefill.
import type {ChatHistoryItem, LlamaGrammar, Token} from "node-llama-cpp";
import {identityFromMetadata} from "../modelFamily";
import {generate} from "./generator";
import type {GenerationResult} from "../engine";
import type {LoadedModel} from "./modelHost";
import {loadNodeLlamaCpp} from "./nodeLlamaCpp";

export interface ReplyOptions {
    maxTokens: number;
    signal: AbortSignal;
    /** Receives text to append, as it is generated; never splits a character. */
    onDelta?: (text: string) => void;
    grammar?: LlamaGrammar;
    /** How the history is rendered: the model's chat template, the plain transcript, or (default) the transcript
     *  exactly when the model has no chat template. */
    layout?: "auto" | "template" | "transcript";
}

export async function generateReply(loaded: LoadedModel, history: ChatHistoryItem[], options: ReplyOptions): Promise<GenerationResult> {
    const nlc = await loadNodeLlamaCpp();
    const model = loaded.model;
    const plain = options.layout === "transcript"
        || (options.layout !== "template" && !identityFromMetadata(model.fileInfo.metadata).hasChatTemplate);
    let tokens: Token[];
    if (plain) {
        tokens = [...(model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(transcriptPrompt(history), false)];
    } else {
        const wrapper = nlc.resolveChatWrapper(model);
        const {contextText} = wrapper.generateContextState({chatHistory: [...history, {type: "model", response: []}]});
        tokens = contextText.tokenize(model.tokenizer);
    }
    const stops = plain && !options.grammar ? TRANSCRIPT_STOPS : [];
    let sent = 0;
    // What may be shown of the text so far: cut at a stop, without a tail that may be the start of one; in a
    // transcript also without the space after "Answer:" and (until the end) trailing whitespace, so what is
    // streamed is always a prefix of the final text.
    const visible = (text: string, final: boolean) => {
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
        return plain ? shown.replace(/^\s+/, "").trimEnd() : shown;
    };
    const emit = (text: string, final: boolean) => {
        const shown = visible(text, final);
        // The shown text only ever grows: a held-back tail is either sent later or was a stop.
        if (shown.length > sent && options.onDelta) options.onDelta(shown.slice(sent));
        sent = Math.max(sent, shown.length);
        return shown;
    };
    const grammarEvaluationState = options.grammar
        ? new nlc.LlamaGrammarEvaluationState({model, grammar: options.grammar}) : undefined;
    const result = await generate(loaded.taskSequence, tokens, {
        maxTokens: options.maxTokens,
        signal: options.signal,
        grammarEvaluationState,
        stops,
        // The generator's text only ever grows by whole characters (tokenText.ts).
        onText: (text) => void emit(text, false)
    });
    return {...result, text: emit(result.text, true)};
}

/**
 * Models whose GGUF has no chat template are base (pretrained) models: the Gemma 3 270M on PyPI is one. Gemma's
 * turn tokens are untrained in them, and they answer a Gemma turn by repeating it — the instructions first
 * (bench/run-chat-layouts.ts: 10 of 10 replies did, whichever way the instructions were folded into the turn).
 * Such a model gets a plain-text transcript instead, which is what it has seen in pretraining: one worked question
 * and answer, then each user turn as "Question: …" and each reply as "Answer: …". The system text (instructions
 * addressed to an assistant, which a base model only continues) is left out; the stops end the answer where the
 * model would start the next question.
 */
export const TRANSCRIPT_PREAMBLE = "Programming questions and their answers, in plain English, with code in Markdown fences.\n\n"
    + "Question: What does `len(items)` return in Python?\n"
    + "Answer: The number of elements in the list `items`, for example `len([1, 2, 3])` is `3`.\n\n";
export const TRANSCRIPT_STOPS = ["\nQuestion:", "\nAnswer:", "<end_of_turn>", "<start_of_turn>"];

export function transcriptPrompt(history: ChatHistoryItem[]): string {
    let text = TRANSCRIPT_PREAMBLE;
    for (const item of history) {
        if (item.type === "user") text += `Question: ${item.text.trim()}\nAnswer:`;
        else if (item.type === "model") {
            const reply = item.response.filter((r): r is string => typeof r === "string").join("").trim();
            if (reply) text += ` ${reply}\n\n`;
        }
    }
    return text;
}
