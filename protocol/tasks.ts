// Requests that run a task on the model: review, explain, chat, edit with an instruction, commit message.
// Part of the protocol: import it from "protocol/lsp", which re-exports every protocol module.
import {ProtocolRequestType, RequestType} from "vscode-languageserver-protocol";
import type {Diagnostic, Range, TextDocumentIdentifier} from "vscode-languageserver-protocol";

// ---- Review (issue: code review and explanations) ----

export type ReviewSeverity = "error" | "warning" | "information" | "hint";
export interface ReviewComment {
    range: Range;
    severity: ReviewSeverity;
    message: string;
    suggestion?: {newText: string};
}
export interface ReviewParams {
    textDocument: TextDocumentIdentifier;
    /** Only these lines; the review replaces only the document's comments inside them. */
    range?: Range;
    /** Review this version of the document (e.g. the staged one) instead of its current text; `range` counts its lines. */
    text?: string;
}
export interface ReviewResult {
    comments: ReviewComment[];
    /** The document version the comments refer to. */
    version?: number;
    /** Set when only part was reviewed (e.g. a very long file) or there was nothing to review. */
    note?: string;
    /** Comments left out because their lines were not in the reviewed code (the note says so too). */
    dropped?: number;
}
export const ReviewRequest = new RequestType<ReviewParams, ReviewResult, void>("gemma/review");

export interface ExplainParams {
    textDocument: TextDocumentIdentifier;
    range: Range;
    diagnostic?: Diagnostic;
    partialResultToken?: string | number;
}
/** Streams a markdown explanation and a proposed fix; partial results are strings to append, as for chat. */
export const ExplainRequest = new ProtocolRequestType<ExplainParams, string, string, void, void>("gemma/explain");

// ---- Chat ----

export interface ChatMessage {
    role: "user" | "assistant";
    content: string;
    /** A reply the user stopped: the chat view shows "Stopped." after it, also when reopened from History. */
    stopped?: boolean;
}
export interface ChatParams {
    messages: ChatMessage[];
    /** Text attached from the editor (files, selections), trimmed to the context budget by the server. */
    context?: {label: string; text: string}[];
    partialResultToken?: string | number;
}
export interface ChatResult {
    content: string;
    /** Labels of attached context the server had to leave out to fit the budget. */
    omitted?: string[];
}
/**
 * Streams the reply: each `$/progress` value for `partialResultToken` is a string to append to the text so far;
 * the final result holds the whole reply. Cancelling ($/cancelRequest) stops generation and resolves with the
 * text generated until then (error RequestCancelled only when nothing was generated).
 */
export const ChatRequest = new ProtocolRequestType<ChatParams, ChatResult, string, void, void>("gemma/chat");

// ---- Edit with an instruction, commit messages ----

/** Error code of gemma/edit when the document changed inside the range while the model was writing. */
export const EditConflict = -32010;

export interface EditParams {
    /** `version`, when given, is the version the range refers to: another one is refused with EditConflict. */
    textDocument: TextDocumentIdentifier & {version?: number};
    range: Range;
    /** What to do with the code in the range, in the user's words ("add error handling"). */
    instruction: string;
    partialResultToken?: string | number;
}
export interface EditResult {
    /** The new text of the range. */
    text: string;
    /** Where it goes, in `version` of the document (re-based when the document changed outside the range). */
    range: Range;
    version: number;
}
/**
 * Rewrites the range following the instruction. Each `$/progress` value for `partialResultToken` is text to append to
 * the new text so far. Fails with EditConflict when the range itself was edited meanwhile.
 */
export const EditRequest = new ProtocolRequestType<EditParams, EditResult, string, void, void>("gemma/edit");

export interface CommitMessageParams {
    /** file: URI of a folder in the git repository whose staged changes are described. */
    rootUri: string;
    partialResultToken?: string | number;
}
export interface CommitMessageResult {
    message: string;
    /** Whether the repository's recent history uses Conventional Commits, and so the message does. */
    conventional: boolean;
}
/** Writes a commit message for the staged diff; partial results are text to append, as for chat. */
export const CommitMessageRequest = new ProtocolRequestType<CommitMessageParams, CommitMessageResult, string, void, void>("gemma/commitMessage");
