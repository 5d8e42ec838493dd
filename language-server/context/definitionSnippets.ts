// Definitions of the symbols around the cursor, asked of the client (which has the language servers that know
// them). Completion must not wait on them: each request waits at most WAIT_MS for the answer for its line and
// otherwise uses what an earlier request on that line fetched. Clients without the method are asked once.
import {ErrorCodes} from "../../protocol/lsp";
import type {Snippet} from "../completion/prompt";

const WAIT_MS = 100;
const KEEP = 64;

export type FetchDefinitions = (uri: string, position: {line: number; character: number}) => Promise<Snippet[]>;

export class DefinitionSnippets {
    private readonly byLine = new Map<string, Promise<Snippet[]>>();
    private unsupported = false;

    constructor(private readonly fetch: FetchDefinitions) {}

    async forPosition(uri: string, position: {line: number; character: number}): Promise<Snippet[]> {
        if (this.unsupported) return [];
        const key = `${uri}#${position.line}`;
        let pending = this.byLine.get(key);
        if (!pending) {
            pending = this.fetch(uri, position).catch((error: {code?: number}) => {
                if (error?.code === ErrorCodes.MethodNotFound) this.unsupported = true;
                return [];
            });
            this.byLine.set(key, pending);
            if (this.byLine.size > KEEP) this.byLine.delete(this.byLine.keys().next().value!);
        }
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<Snippet[]>((resolve) => (timer = setTimeout(() => resolve([]), WAIT_MS)));
        try {
            return await Promise.race([pending, late]);
        } finally {
            clearTimeout(timer);
        }
    }

    /** Edits can move definitions: forget what was fetched for a document. */
    forget(uri: string) {
        for (const key of this.byLine.keys()) if (key.startsWith(`${uri}#`)) this.byLine.delete(key);
    }
}
