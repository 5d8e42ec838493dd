// Generates one assistant reply for a chat history on the task sequence. The prompt is rendered by the chat
// wrapper node-llama-cpp resolves from the model (Gemma's turns for Gemma; user text stays text, never special
// tokens), or, for a base model without a chat template, as a plain-text transcript (../transcript.ts, shared with
// the remote engine), and generation runs through our own loop (generator.ts): LlamaChatSession.prompt measured
// 4.5x slower per token here (17 vs 75 tok/s on the tiny model), and it ignores aborts during prefill.
import type {ChatHistoryItem, LlamaGrammar, Token} from "node-llama-cpp";
import {identityFromMetadata} from "../modelFamily";
import {generate} from "./generator";
import type {ChatTurn, GenerationResult} from "../engine";
import {transcriptExample, transcriptPrompt as sharedTranscriptPrompt, transcriptStops, type TranscriptExample, visibleDeltas} from "../transcript";
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
    /** The reply's language: the transcript's worked example is in it (../transcript.ts, transcriptExample). */
    language?: string;
    /** The transcript's worked example, in place of the language's (bench/run-language-layouts.ts compares them). */
    example?: TranscriptExample;
}

export async function generateReply(loaded: LoadedModel, history: ChatHistoryItem[], options: ReplyOptions): Promise<GenerationResult> {
    const nlc = await loadNodeLlamaCpp();
    const model = loaded.model;
    const plain = options.layout === "transcript"
        || (options.layout !== "template" && !identityFromMetadata(model.fileInfo.metadata).hasChatTemplate);
    const example = options.example ?? transcriptExample(options.language);
    let tokens: Token[];
    if (plain) {
        tokens = [...(model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(transcriptPrompt(history, example), false)];
    } else {
        const wrapper = nlc.resolveChatWrapper(model);
        const {contextText} = wrapper.generateContextState({chatHistory: [...history, {type: "model", response: []}]});
        tokens = contextText.tokenize(model.tokenizer);
    }
    // A grammar's own end: node-llama-cpp's JSON grammars end in four line breaks and then allow more of them until
    // the token limit (a base model, which would start the next "Question:", wrote line breaks for the rest of it).
    const stops = options.grammar ? grammarStops(options.grammar) : plain ? transcriptStops(example) : [];
    // What is shown: cut at a stop, without a tail that may be the start of one (../transcript.ts).
    const emit = visibleDeltas(stops, plain, options.onDelta);
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

/** The texts after which a grammar's output is complete (its stop triggers). */
export function grammarStops(grammar: LlamaGrammar): string[] {
    return grammar.stopGenerationTriggers
        .map((t) => Array.isArray(t) ? t.filter((x): x is string => typeof x === "string").join("") : String(t))
        .filter((t) => t.length > 0);
}

/** node-llama-cpp's history as the engine's turns, for the transcript (../transcript.ts). */
export function transcriptPrompt(history: ChatHistoryItem[], example?: TranscriptExample): string {
    return sharedTranscriptPrompt(history.flatMap((item): ChatTurn[] => item.type === "user" ? [{role: "user", content: item.text}]
        : item.type === "model" ? [{role: "assistant", content: item.response.filter((r): r is string => typeof r === "string").join("")}]
            : []), example); // the system text is left out of a transcript
}
