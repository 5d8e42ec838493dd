// "Apply to File": a code block becomes a proposed version of a file, shown in VS Code's diff editor (current file
// on the left, the read-only proposal on the right). Nothing changes until the user presses Accept in the diff's
// title bar, and then only through a WorkspaceEdit: undoable, and the file stays unsaved for the user to save.
import * as vscode from "vscode";
import {Commands} from "../../protocol/lsp";
import {minimalReplacement} from "./textEdits";
import * as l10n from "../l10n";

export const PROPOSAL_SCHEME = "gemma-proposal";

interface Proposal {
    target: vscode.Uri;
    /** The target's version the proposal was made from, to notice edits made while reviewing. */
    version: number;
    text: string;
}

export class Proposals implements vscode.Disposable {
    private readonly proposals = new Map<string, Proposal>();
    private next = 1;
    private readonly subscriptions: vscode.Disposable[];

    constructor(private readonly log: vscode.LogOutputChannel) {
        this.subscriptions = [
            vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, {
                provideTextDocumentContent: (uri) => this.proposals.get(uri.toString())?.text ?? ""
            }),
            // From the diff's title bar the argument is the proposal's URI; from the palette there is none.
            vscode.commands.registerCommand(Commands.acceptProposal, (arg?: unknown) => this.accept(this.target(arg))),
            vscode.commands.registerCommand(Commands.discardProposal, (arg?: unknown) => this.discard(this.target(arg))),
            vscode.workspace.onDidCloseTextDocument((doc) => {
                if (doc.uri.scheme === PROPOSAL_SCHEME) this.proposals.delete(doc.uri.toString());
            })
        ];
    }

    /** Opens the diff of `doc` against `text`. */
    async propose(doc: vscode.TextDocument, text: string) {
        const name = doc.uri.path.split("/").pop() || "untitled";
        // The file name last, so the proposal gets the same language (and highlighting) as the file.
        const uri = vscode.Uri.from({scheme: PROPOSAL_SCHEME, path: `/${this.next++}/${name}`});
        this.proposals.set(uri.toString(), {target: doc.uri, version: doc.version, text});
        await vscode.commands.executeCommand("vscode.diff", doc.uri, uri, l10n.t("{0} ↔ Gemma's proposal (review, then Accept)", name),
            {preview: false} satisfies vscode.TextDocumentShowOptions);
    }

    async accept(uri: vscode.Uri | undefined) {
        const proposal = uri && this.proposals.get(uri.toString());
        if (!uri || !proposal) {
            void vscode.window.showWarningMessage(l10n.t("Gemma Code: no proposal to accept here (it may have been closed)."));
            return;
        }
        const doc = await vscode.workspace.openTextDocument(proposal.target);
        const name = vscode.workspace.asRelativePath(doc.uri);
        if (doc.version !== proposal.version) {
            const replace = l10n.t("Replace");
            const choice = await vscode.window.showWarningMessage(
                l10n.t("{0} changed after Gemma's proposal was made. Replace it with the proposal anyway?", name), {modal: true}, replace);
            if (choice !== replace) return;
        }
        const before = doc.getText();
        const change = minimalReplacement(before, proposal.text);
        const edit = new vscode.WorkspaceEdit();
        edit.replace(doc.uri, new vscode.Range(doc.positionAt(change.start), doc.positionAt(change.end)), change.text);
        if (!await vscode.workspace.applyEdit(edit)) {
            void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0} could not be changed (is it read-only?).", name));
            return;
        }
        this.log.info(`Applied Gemma's proposal to ${name} (not saved).`);
        await this.close(uri);
        await vscode.window.showTextDocument(doc, {preview: false});
    }

    async discard(uri: vscode.Uri | undefined) {
        if (uri) await this.close(uri);
    }

    private async close(uri: vscode.Uri) {
        this.proposals.delete(uri.toString());
        const key = uri.toString();
        const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) =>
            t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === key);
        if (tabs.length) await vscode.window.tabGroups.close(tabs);
    }

    private target(arg: unknown): vscode.Uri | undefined {
        return arg instanceof vscode.Uri && arg.scheme === PROPOSAL_SCHEME ? arg : this.activeProposal();
    }

    /** The proposal of the active diff editor. */
    private activeProposal(): vscode.Uri | undefined {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === PROPOSAL_SCHEME) return input.modified;
        const doc = vscode.window.activeTextEditor?.document;
        return doc?.uri.scheme === PROPOSAL_SCHEME ? doc.uri : undefined;
    }

    dispose() {
        for (const s of this.subscriptions) s.dispose();
        this.proposals.clear();
    }
}
