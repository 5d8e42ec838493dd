// Conversations of this workspace, kept in context.workspaceState so they survive window reloads and stay with
// the project they are about. No vscode import: tests pass a Map-backed store.
import type {ChatMessage, ConversationSummary} from "../../protocol/webview";
import * as l10n from "../l10n";

export interface Conversation {
    id: string;
    title: string;
    created: number;
    updated: number;
    messages: ChatMessage[];
}

/** The part of vscode.Memento this needs. */
export interface KeyValueStore {
    get<T>(key: string): T | undefined;
    update(key: string, value: unknown): Thenable<void>;
}

const KEY = "gemmaCode.chat.conversations";

export class ConversationHistory {
    constructor(private readonly store: KeyValueStore, private readonly max = 50) {}

    /** Newest first. */
    list(): ConversationSummary[] {
        return this.all().map(({id, title, updated}) => ({id, title, updated}));
    }

    get(id: string): Conversation | undefined {
        const c = this.all().find((c) => c.id === id);
        return c && structuredClone(c);
    }

    /** Inserts or replaces; only the `max` most recently updated conversations are kept. */
    async save(conversation: Conversation) {
        const others = this.all().filter((c) => c.id !== conversation.id);
        const all = [structuredClone(conversation), ...others].sort((a, b) => b.updated - a.updated);
        await this.store.update(KEY, all.slice(0, this.max));
    }

    async delete(id: string) {
        await this.store.update(KEY, this.all().filter((c) => c.id !== id));
    }

    private all(): Conversation[] {
        const value = this.store.get<Conversation[]>(KEY);
        // Whatever an older or newer version stored: keep only entries this version can show.
        return Array.isArray(value)
            ? value.filter((c) => c && typeof c.id === "string" && Array.isArray(c.messages))
                .sort((a, b) => b.updated - a.updated)
            : [];
    }
}

/** The first line of the first question, shortened: what the history list shows. */
export function titleOf(messages: ChatMessage[]): string {
    const first = messages.find((m) => m.role === "user")?.content ?? messages[0]?.content ?? "";
    const line = first.trim().split("\n")[0].trim();
    if (!line) return l10n.t("Conversation");
    return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}
