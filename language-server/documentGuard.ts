// Document notifications checked before TextDocuments stores them. The library takes didOpen and didChange as they
// come: `text: null` becomes a document whose getText() is null, and every later request on it breaks. A malformed
// notification is dropped with a line in the log (notifications have no answer to carry an error), so the document
// stays as it was: unknown after a bad didOpen, unchanged after a bad didChange.
import type {
    Connection, DidChangeTextDocumentParams, DidOpenTextDocumentParams, NotificationHandler, TextDocuments
} from "vscode-languageserver";
import {DidChangeTextDocumentNotification, DidOpenTextDocumentNotification} from "vscode-languageserver";
import type {TextDocument} from "vscode-languageserver-textdocument";
import type {Logger} from "./log";

/** Why a didOpen cannot be taken, or undefined when it can. */
export function invalidOpen(params: unknown): string | undefined {
    const td = (params as DidOpenTextDocumentParams | undefined)?.textDocument as Record<string, unknown> | undefined;
    if (!td || typeof td !== "object") return "no textDocument";
    if (typeof td.uri !== "string" || !td.uri) return "no uri";
    if (typeof td.text !== "string") return `text is ${td.text === null ? "null" : typeof td.text}, not a string`;
    if (typeof td.languageId !== "string") return "languageId is not a string";
    if (typeof td.version !== "number" || !Number.isInteger(td.version)) return "version is not an integer";
    return undefined;
}

/** Why a didChange cannot be taken, or undefined when it can. */
export function invalidChange(params: unknown): string | undefined {
    const p = params as DidChangeTextDocumentParams | undefined;
    const td = p?.textDocument as Record<string, unknown> | undefined;
    if (!td || typeof td.uri !== "string") return "no textDocument.uri";
    if (typeof td.version !== "number" || !Number.isInteger(td.version)) return "version is not an integer";
    if (!Array.isArray(p!.contentChanges)) return "contentChanges is not an array";
    for (const change of p!.contentChanges as unknown[]) {
        const c = change as {text?: unknown; range?: unknown} | null;
        if (!c || typeof c !== "object" || typeof c.text !== "string") return "a change without text";
        if (c.range !== undefined && !isRange(c.range)) return "a change with a malformed range";
    }
    return undefined;
}

/** The connection as TextDocuments.listen() sees it, with malformed opens and changes dropped. */
export function guardedDocumentEvents(connection: Connection, log: Logger): Parameters<TextDocuments<TextDocument>["listen"]>[0] {
    const guard = <P>(what: string, invalid: (p: unknown) => string | undefined, handler: NotificationHandler<P>): NotificationHandler<P> =>
        (params) => {
            const why = invalid(params);
            if (why) return log.warn(`Ignored a malformed ${what} (${why}).`);
            return handler(params);
        };
    return {
        onDidOpenTextDocument: (h) => connection.onDidOpenTextDocument(guard(DidOpenTextDocumentNotification.method, invalidOpen, h)),
        onDidChangeTextDocument: (h) => connection.onDidChangeTextDocument(guard(DidChangeTextDocumentNotification.method, invalidChange, h)),
        onDidCloseTextDocument: (h) => connection.onDidCloseTextDocument(h),
        onWillSaveTextDocument: (h) => connection.onWillSaveTextDocument(h),
        onWillSaveTextDocumentWaitUntil: (h) => connection.onWillSaveTextDocumentWaitUntil(h),
        onDidSaveTextDocument: (h) => connection.onDidSaveTextDocument(h)
    };
}

function isRange(r: unknown): boolean {
    const isPosition = (p: unknown) => !!p && typeof p === "object" && Number.isInteger((p as {line: unknown}).line)
        && Number.isInteger((p as {character: unknown}).character);
    return !!r && typeof r === "object" && isPosition((r as {start: unknown}).start) && isPosition((r as {end: unknown}).end);
}
