// gemma/chat: the conversation goes to the engine as chat turns; the engine renders them with the model's template
// (Gemma's turns for Gemma, which has no system role: instructions are folded into the first user turn). Editor
// context is attached to the last question and trimmed to the token budget, dropping whole items and reporting them.
import {ResponseError} from "vscode-languageserver";
import {ChatParams, ChatRequest, ChatResult, ErrorCodes} from "../../protocol/lsp";
import type {ChatTurn, ModelSession} from "../engine/engine";
import {chatReplyLanguage, isEnglish, languageInstruction, nativeTask, patternLanguageRequest} from "./language";

export const CHAT_INSTRUCTIONS = "You are Gemma Code, a concise programming assistant inside the user's editor. "
    + "Answer in Markdown; put code in fenced blocks with a language.";

export interface ChatPrompt {
    history: ChatTurn[];
    question: string;
    omitted: string[];
    /** The language the answer is to be in (the question's script, else the setting); none = English. */
    language?: string;
}

/**
 * Builds the chat history and the final question within the context budget. `followsPattern`: the model continues
 * its prompt rather than following instructions (a base model, without a chat template): the prompt's own words are
 * then in the reply's language too (tasks/language.ts, measured by bench/run-language-layouts.ts).
 */
export function buildChatPrompt(params: ChatParams, count: (text: string) => number, contextSize: number,
                                replyTokens: number, responseLanguage?: string, followsPattern = false): ChatPrompt {
    const messages = (params.messages ?? []).filter((m) => m && typeof m.content === "string" && (m.role === "user" || m.role === "assistant"));
    const last = messages.at(-1);
    if (!last || last.role !== "user") {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput, `${ChatRequest.method} needs messages ending with a user message.`);
    }
    // Answered in the language the question is written in (when its script says which), else the setting's.
    const replyLanguage = chatReplyLanguage(last.content, responseLanguage);
    const language = followsPattern ? patternLanguageRequest(replyLanguage, "your answer") : languageInstruction(replyLanguage, "your answer");
    const contextLabel = (followsPattern ? nativeTask(replyLanguage)?.context : undefined) ?? "Context from the editor:";
    let budget = contextSize - replyTokens - count(CHAT_INSTRUCTIONS) - count(last.content) - count(language) - 64;

    // Older turns go first when the conversation outgrows the context.
    const earlier = messages.slice(0, -1);
    const kept: typeof earlier = [];
    for (let i = earlier.length - 1; i >= 0; i--) {
        const cost = count(earlier[i].content) + 8;
        if (cost > budget) break;
        budget -= cost;
        kept.unshift(earlier[i]);
    }
    while (kept.length && kept[0].role !== "user") kept.shift();

    const omitted: string[] = [];
    const attached: string[] = [];
    for (const item of params.context ?? []) {
        if (!item || typeof item.text !== "string") continue;
        const block = `\`${item.label}\`:\n\`\`\`\n${item.text}\n\`\`\`\n`;
        const cost = count(block);
        if (cost > budget) {
            omitted.push(String(item.label));
            continue;
        }
        budget -= cost;
        attached.push(block);
    }
    const asked = attached.length ? `${contextLabel}\n${attached.join("\n")}\n${last.content}` : last.content;
    // Last, next to where the answer starts: a small model follows it best there.
    const question = language ? `${asked}\n\n${language}` : asked;
    const history: ChatTurn[] = [{role: "system", content: CHAT_INSTRUCTIONS}];
    for (const m of kept) history.push({role: m.role, content: m.content});
    return {history, question, omitted, language: isEnglish(replyLanguage) ? undefined : replyLanguage};
}

export async function runChat(session: ModelSession, params: ChatParams, maxTokens: number, signal: AbortSignal,
                              onDelta: (text: string) => void, responseLanguage?: string): Promise<ChatResult> {
    const prompt = buildChatPrompt(params, (s) => session.countTokens(s), session.contextSize, maxTokens, responseLanguage,
        !session.identity.hasChatTemplate);
    const reply = await session.chat([...prompt.history, {role: "user", content: prompt.question}], {maxTokens, signal, onDelta,
        language: prompt.language});
    return {content: reply.text, omitted: prompt.omitted.length ? prompt.omitted : undefined};
}
