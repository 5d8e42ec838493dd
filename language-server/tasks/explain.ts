// gemma/explain: explains a diagnostic (from any tool) or a selection, and proposes a fix, streaming Markdown.
import type {Diagnostic} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import type {ExplainParams} from "../../protocol/lsp";
import type {ChatTurn, ModelSession} from "../engine/engine";
import {CHAT_INSTRUCTIONS} from "./chat";
import {languageInstruction, nativeTask, patternLanguageRequest} from "./language";
import {fenceLanguage} from "../completion/prompt";

const CONTEXT_LINES = 30;

/** `followsPattern`: a base model (see buildChatPrompt): the task is written in the reply's language where it can be. */
export function explainPrompt(doc: TextDocument, params: ExplainParams, responseLanguage?: string, followsPattern = false): string {
    const first = Math.max(0, Math.min(params.range.start.line, doc.lineCount - 1));
    const last = Math.max(first, Math.min(params.range.end.line, doc.lineCount - 1));
    const from = Math.max(0, first - CONTEXT_LINES);
    const to = Math.min(doc.lineCount, last + CONTEXT_LINES + 1);
    const lines = doc.getText().split(/\r\n|\r|\n/).slice(from, to);
    const numbered = lines.map((l, i) => `${from + i + 1}| ${l}`).join("\n");
    const lang = fenceLanguage(doc.languageId);
    const where = first === last ? `line ${first + 1}` : `lines ${first + 1}-${last + 1}`;
    const file = doc.uri.replace(/^.*[\\/]/, "");
    const d = params.diagnostic;
    const native = followsPattern ? nativeTask(responseLanguage) : undefined;
    if (native) {
        const at = native.where(first + 1, last + 1);
        const tool = d ? `${d.source ?? native.tool}${d.code !== undefined ? ` (${d.code})` : ""}` : "";
        const nativeTaskText = d ? native.explainDiagnostic(tool, typeof d.message === "string" ? d.message : d.message.value, at, file) : native.explainSelection(at, file);
        const request = patternLanguageRequest(responseLanguage, "the explanation");
        return `${nativeTaskText}\n\n\`\`\`${lang}\n${numbered}\n\`\`\`${request ? `\n\n${request}` : ""}`;
    }
    const task = d
        ? `${describe(d)} at ${where} of \`${file}\`. Explain what it means here and why it happens, then propose a fix as a code block.`
        : `Explain what the code at ${where} of \`${file}\` does, point out any bug in it, and propose a fix as a code block if one is needed.`;
    const language = followsPattern ? patternLanguageRequest(responseLanguage, "the explanation")
        : languageInstruction(responseLanguage, "the explanation");
    return `${task}\n\n\`\`\`${lang}\n${numbered}\n\`\`\`${language ? `\n\n${language}` : ""}`;
}

function describe(d: Diagnostic) {
    const source = d.source ? `${d.source}` : "A tool";
    const code = d.code !== undefined ? ` (${d.code})` : "";
    return `${source}${code} reports "${d.message}"`;
}

/** The turns sent for an explanation. */
export function explainTurns(doc: TextDocument, params: ExplainParams, responseLanguage?: string, followsPattern = false): ChatTurn[] {
    return [{role: "system", content: CHAT_INSTRUCTIONS}, {role: "user", content: explainPrompt(doc, params, responseLanguage, followsPattern)}];
}

export async function runExplain(session: ModelSession, doc: TextDocument, params: ExplainParams, maxTokens: number,
                                 signal: AbortSignal, onDelta: (text: string) => void, responseLanguage?: string): Promise<string> {
    const turns = explainTurns(doc, params, responseLanguage, !session.identity.hasChatTemplate);
    const reply = await session.chat(turns, {maxTokens, signal, onDelta, language: responseLanguage});
    return reply.text;
}
