// What a chat message carries besides the conversation: the active editor's selection (or its whole file),
// attached automatically, plus files the user picked with `@`. Shown as chips; each can be removed.
import * as vscode from "vscode";
import type {ContextChip} from "../../protocol/webview";
import type {ChatContextSource, ContextItem} from "./chatController";
import {lastTextEditor} from "./editors";
import * as l10n from "../l10n";

/** Far above any context window; only stops a huge or generated file from being copied around whole. */
const MAX_CHARS = 400_000;
const AUTO_ID = "active";

export class ChatContext implements ChatContextSource, vscode.Disposable {
    private picked: {id: string; uri: vscode.Uri; label: string}[] = [];
    /** The label of the auto chip the user removed; it stays away until the selection or file changes. */
    private dismissed: string | undefined;
    private lastAutoLabel: string | undefined;
    private nextId = 1;
    private readonly subscriptions: vscode.Disposable[];
    onChange: () => void = () => {};

    constructor() {
        const changed = () => {
            const label = this.auto()?.label;
            if (label === this.lastAutoLabel) return;
            this.lastAutoLabel = label;
            this.onChange();
        };
        this.subscriptions = [
            vscode.window.onDidChangeActiveTextEditor(changed),
            vscode.window.onDidChangeTextEditorSelection(changed)
        ];
    }

    chips(): ContextChip[] {
        const auto = this.auto();
        const chips: ContextChip[] = this.picked.map(({id, label}) => ({id, label}));
        if (auto && auto.label !== this.dismissed && !chips.some((c) => c.label === auto.label)) {
            chips.unshift({id: AUTO_ID, label: auto.label, auto: true});
        }
        return chips;
    }

    async resolve(): Promise<ContextItem[]> {
        const items: ContextItem[] = [];
        const auto = this.auto();
        if (auto && this.chips().some((c) => c.id === AUTO_ID)) items.push({label: auto.label, text: auto.text()});
        for (const p of this.picked) {
            try {
                const doc = await vscode.workspace.openTextDocument(p.uri);
                items.push({label: p.label, text: doc.getText()});
            } catch (error) {
                void vscode.window.showWarningMessage(l10n.t("Gemma Code: {0} could not be read ({1}); the message was sent without it.",
                    p.label, String(error)));
            }
        }
        return items.map((i) => i.text.length > MAX_CHARS ? {...i, text: i.text.slice(0, MAX_CHARS)} : i);
    }

    remove(id: string) {
        if (id === AUTO_ID) this.dismissed = this.auto()?.label;
        else this.picked = this.picked.filter((p) => p.id !== id);
    }

    async pick() {
        // files.exclude applies by default; dependency and VCS folders are noise in a file picker either way.
        const files = await vscode.workspace.findFiles("**/*", "{**/node_modules/**,**/.git/**}", 5000);
        const items = files
            .map((uri) => ({uri, label: vscode.workspace.asRelativePath(uri)}))
            .sort((a, b) => a.label.localeCompare(b.label))
            .map(({uri, label}) => {
                const slash = label.lastIndexOf("/");
                return {label: label.slice(slash + 1), description: slash > 0 ? label.slice(0, slash) : undefined, uri, path: label};
            });
        // One file per pick, like typing an @-mention: Enter takes the highlighted file.
        const chosen = await vscode.window.showQuickPick(items, {
            title: l10n.t("Attach a file to the Gemma chat"),
            placeHolder: l10n.t("Type to search the workspace's files"),
            matchOnDescription: true
        });
        if (!chosen || this.picked.some((p) => p.uri.toString() === chosen.uri.toString())) return;
        this.picked.push({id: `file-${this.nextId++}`, uri: chosen.uri, label: chosen.path});
    }

    /** The active editor's selection, or its whole file when nothing is selected. */
    private auto(): {label: string; text(): string} | undefined {
        const editor = lastTextEditor();
        if (!editor) return undefined;
        const doc = editor.document;
        const name = vscode.workspace.asRelativePath(doc.uri);
        const sel = editor.selection;
        if (sel.isEmpty) return {label: name, text: () => doc.getText()};
        const end = sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1;
        const lines = end === sel.start.line + 1 ? `${end}` : `${sel.start.line + 1}-${end}`;
        return {label: `${name}:${lines}`, text: () => doc.getText(sel)};
    }

    dispose() {
        for (const s of this.subscriptions) s.dispose();
    }
}
