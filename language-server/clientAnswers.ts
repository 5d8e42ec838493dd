// The server's requests to its client, and what it accepts as their answers. A client may answer with null, {},
// a string, an error, a huge array, or never (all valid JSON-RPC, or at least survivable): each answer is checked
// for its shape and bounded in size before anything uses it, and each request gives up after a while so that an
// unanswered one does not keep memory or a waiting caller forever.
import {
    CancellationTokenSource, Connection, WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressCreateRequest, WorkDoneProgressEnd,
    WorkDoneProgressReport
} from "vscode-languageserver";
import {DefinitionSnippetsRequest} from "../protocol/lsp";
import type {Snippet} from "./completion/prompt";
import type {Logger} from "./log";

/** What one definitionSnippets answer may bring into memory and into a prompt. */
export const SNIPPET_LIMITS = {count: 16, textChars: 2000, labelChars: 200} as const;
/** A request the client has not answered by then is cancelled ($/cancelRequest) and counts as no answer. */
export const CLIENT_ANSWER_TIMEOUT_MS = 5000;

/** Snippets from a definitionSnippets answer: an array of {label?, text}; anything else is no snippets. */
export function snippetsFromAnswer(answer: unknown): Snippet[] {
    if (!Array.isArray(answer)) return [];
    const snippets: Snippet[] = [];
    // Only the first items are looked at: a huge array costs nothing beyond what the transport already parsed.
    for (let i = 0; i < answer.length && i < SNIPPET_LIMITS.count * 4 && snippets.length < SNIPPET_LIMITS.count; i++) {
        const item: unknown = answer[i];
        if (!item || typeof item !== "object") continue;
        const {label, text} = item as {label?: unknown; text?: unknown};
        if (typeof text !== "string" || !text.trim()) continue;
        // slice() of a long string can keep the whole original alive (V8 sliced strings): copy what is kept.
        snippets.push({
            label: copyOf(typeof label === "string" ? label.slice(0, SNIPPET_LIMITS.labelChars) : "definition"),
            text: copyOf(text.slice(0, SNIPPET_LIMITS.textChars))
        });
    }
    return snippets;
}

/** The `gemmaCode` settings object of a workspace/configuration answer, or undefined for any other shape. */
export function settingsFromConfigurationAnswer(answer: unknown): object | undefined {
    if (!Array.isArray(answer) || answer.length < 1) return undefined;
    const first: unknown = answer[0];
    return first && typeof first === "object" && !Array.isArray(first) ? first : undefined;
}

/** Sends a request to the client; resolves with its answer, or undefined on an error or no answer in time. */
export async function askClient<P>(connection: Connection, method: string, params: P, log: Logger,
                                   timeoutMs = CLIENT_ANSWER_TIMEOUT_MS): Promise<{answer: unknown} | {error: {code?: number; message?: string}}> {
    const source = new CancellationTokenSource();
    const timer = setTimeout(() => source.cancel(), timeoutMs);
    timer.unref();
    try {
        return {answer: await connection.sendRequest(method, params, source.token)};
    } catch (error) {
        const e = (error ?? {}) as {code?: number; message?: string};
        if (source.token.isCancellationRequested) log.debug(`client did not answer ${method} within ${timeoutMs} ms`);
        return {error: {code: typeof e.code === "number" ? e.code : undefined, message: String(e.message ?? e)}};
    } finally {
        clearTimeout(timer);
        source.dispose();
    }
}

/** The definitionSnippets request, answered with a checked, bounded list; MethodNotFound is passed on as a throw. */
export function definitionSnippetsFetcher(connection: Connection, log: Logger) {
    return async (uri: string, position: {line: number; character: number}): Promise<Snippet[]> => {
        const reply = await askClient(connection, DefinitionSnippetsRequest.method, {textDocument: {uri}, position}, log);
        if ("error" in reply) throw reply.error;
        return snippetsFromAnswer(reply.answer);
    };
}

function copyOf(s: string): string {
    return s.length < 64 ? s : Buffer.from(s, "utf16le").toString("utf16le");
}

/**
 * Work-done progress for model loading, for clients that declare window.workDoneProgress. Creating the token is a
 * request to the client: whatever it answers (or never answering) only decides whether progress is shown.
 */
export class LoadProgress {
    /** The progress of the load in progress; `begun` once the client accepted the token and "begin" was sent. */
    private current: {token: string; begun: boolean} | undefined;
    private next = 1;

    constructor(private readonly connection: Connection, private readonly log: Logger, private readonly supported: () => boolean) {}

    update(state: {status: string; message: string}) {
        if (!this.supported()) return;
        const current = this.current;
        if (state.status === "loading") {
            if (current) return void this.report(current, {kind: "report", message: state.message});
            const progress = {token: `gemma-load-${this.next++}`, begun: false};
            this.current = progress;
            void askClient(this.connection, WorkDoneProgressCreateRequest.method, {token: progress.token}, this.log).then((reply) => {
                // An error, no answer, or a newer state already ended this load: no progress for it.
                if ("error" in reply || this.current !== progress) return;
                progress.begun = true;
                this.report(progress, {kind: "begin", title: "Gemma Code", message: state.message, cancellable: false});
            });
        } else if (current) {
            this.current = undefined;
            this.report(current, {kind: "end", message: state.message});
        }
    }

    private report(progress: {token: string; begun: boolean}, value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) {
        if (progress.begun) void this.connection.sendProgress(WorkDoneProgress.type, progress.token, value);
    }
}
