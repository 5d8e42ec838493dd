// gemma/edit: rewrites a range of a document following the user's instruction. The model sees the range in a
// fence with some lines around it, answers with the new code in a fence, and the new code is streamed as it comes
// (FencedCode). The document may be edited while the model writes: the range is re-based over edits outside it, and
// the request fails with EditConflict when the range itself changed, so an edit is never applied to other lines.
import {ResponseError} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import {rebaseRange} from "../../common/rebaseRange";
import {EditParams, EditRequest, EditResult, ErrorCodes} from "../../protocol/lsp";
import * as l10n from "../l10n";
import type {ModelSession} from "../engine/engine";
import {fenceLanguage} from "../completion/prompt";
import {validatedOffset} from "../completion/completionService";
import {FencedCode} from "./fencedCode";

const CONTEXT_LINES = 20;

const INSTRUCTIONS = "You are Gemma Code, a programming assistant that edits code in the user's editor. "
    + "Rewrite the selected code as the user asks. Reply with the complete new code for the selection only, in one "
    + "fenced code block, keeping its indentation; no explanation.";

export interface EditInput {
    /** The document when the request came: a copy (TextDocuments updates its documents in place). */
    doc: TextDocument;
    params: EditParams;
    /** The document as it is now (it may have changed while the model wrote), undefined when it was closed. */
    current: () => TextDocument | undefined;
    maxTokens: number;
    signal: AbortSignal;
    onDelta: (text: string) => void;
}

/** Checks the request and returns the offsets of its range in `doc`. */
export function editRange(doc: TextDocument, params: EditParams) {
    if (typeof params?.instruction !== "string" || !params.instruction.trim()) {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput, `${EditRequest.method} needs an instruction.`);
    }
    if (params.textDocument.version !== undefined && params.textDocument.version !== doc.version) {
        throw new ResponseError(ErrorCodes.EditConflict, l10n.t("The range refers to version {0} of {1}, but the server has version {2}: ask again.",
            params.textDocument.version, doc.uri, doc.version));
    }
    const start = validatedOffset(doc, params.range?.start);
    const end = validatedOffset(doc, params.range?.end);
    // l10n-ignore: a protocol error of a client, for its developer
    if (end < start) throw new ResponseError(ErrorCodes.InvalidInput, `${EditRequest.method}: the range ends before it starts.`);
    return {start, end};
}

export function editPrompt(doc: TextDocument, offsets: {start: number; end: number}, instruction: string): string {
    const text = doc.getText();
    const startLine = doc.positionAt(offsets.start).line;
    const endLine = doc.positionAt(offsets.end).line;
    const before = text.slice(doc.offsetAt({line: Math.max(0, startLine - CONTEXT_LINES), character: 0}), offsets.start);
    const after = text.slice(offsets.end, doc.offsetAt({line: Math.min(doc.lineCount, endLine + CONTEXT_LINES + 1), character: 0}));
    const lang = fenceLanguage(doc.languageId);
    const file = doc.uri.replace(/^.*[\\/]/, "");
    return `File \`${file}\`, the code around the selection:\n\`\`\`${lang}\n${before}<selection>${text.slice(offsets.start, offsets.end)}`
        + `</selection>${after}\n\`\`\`\n\nThe selected code:\n\`\`\`${lang}\n${text.slice(offsets.start, offsets.end)}\n\`\`\`\n\n`
        + `Instruction: ${instruction.trim()}`;
}

export async function runEdit(session: ModelSession, input: EditInput): Promise<EditResult> {
    const {doc, params} = input;
    const offsets = editRange(doc, params);
    const original = doc.getText();
    const selected = original.slice(offsets.start, offsets.end);
    const code = new FencedCode();
    // Stops the model once the fence closes (what follows is not code); the client's cancellation stops it too.
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    input.signal.addEventListener("abort", onAbort, {once: true});
    let reply = "";
    let sent = 0;
    try {
        await session.chat([{role: "system", content: INSTRUCTIONS}, {role: "user", content: editPrompt(doc, offsets, params.instruction)}], {
            maxTokens: Math.min(input.maxTokens, session.countTokens(selected) * 2 + 256),
            signal: stop.signal,
            onDelta: (delta) => {
                reply += delta;
                const extracted = code.extract(reply);
                if (extracted.length > sent) input.onDelta(extracted.slice(sent));
                sent = Math.max(sent, extracted.length);
                if (code.done) stop.abort();
            }
        });
    } finally {
        input.signal.removeEventListener("abort", onAbort);
    }
    if (input.signal.aborted) throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Edit cancelled"));
    const text = fitTrailingNewline(code.extract(reply, true), selected);

    const current = input.current();
    if (!current) throw new ResponseError(ErrorCodes.EditConflict, l10n.t("{0} was closed while Gemma was editing it.", doc.uri));
    const rebased = current.version === doc.version ? offsets : rebaseRange(original, offsets, current.getText());
    if (!rebased) {
        throw new ResponseError(ErrorCodes.EditConflict, l10n.t("The selected code was changed while Gemma was editing it: the edit was not applied. Select it and ask again."));
    }
    return {text, range: {start: current.positionAt(rebased.start), end: current.positionAt(rebased.end)}, version: current.version};
}

/** The new code ends with a line break exactly when the selection did (a fence's content always does). */
function fitTrailingNewline(text: string, selected: string) {
    const trimmed = text.replace(/\r?\n$/, "");
    return /\n$/.test(selected) ? `${trimmed}\n` : trimmed;
}
