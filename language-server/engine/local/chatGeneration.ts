// Generates one assistant reply for a chat history on the task sequence. The prompt is rendered by the chat
// wrapper node-llama-cpp resolves from the model (Gemma's turns for Gemma; user text stays text, never special
// tokens), and generation runs through our own loop (generator.ts): LlamaChatSession.prompt measured 4.5x
// slower per token here (17 vs 75 tok/s on the tiny model), and it ignores aborts during prefill.
import type {ChatHistoryItem, LlamaGrammar} from "node-llama-cpp";
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
}

export async function generateReply(loaded: LoadedModel, history: ChatHistoryItem[], options: ReplyOptions): Promise<GenerationResult> {
    const nlc = await loadNodeLlamaCpp();
    const wrapper = nlc.resolveChatWrapper(loaded.model);
    const {contextText} = wrapper.generateContextState({chatHistory: [...history, {type: "model", response: []}]});
    const tokens = contextText.tokenize(loaded.model.tokenizer);
    let sent = 0;
    const grammarEvaluationState = options.grammar
        ? new nlc.LlamaGrammarEvaluationState({model: loaded.model, grammar: options.grammar}) : undefined;
    const result = await generate(loaded.taskSequence, tokens, {
        maxTokens: options.maxTokens,
        signal: options.signal,
        grammarEvaluationState,
        onText: (text) => {
            // The generator's text only ever grows by whole characters (tokenText.ts).
            if (text.length > sent && options.onDelta) options.onDelta(text.slice(sent));
            sent = text.length;
        }
    });
    if (result.text.length > sent && options.onDelta) options.onDelta(result.text.slice(sent));
    return result;
}
