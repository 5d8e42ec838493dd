// The chat panel: a webview view in Gemma Code's own activity bar container (users can drag it to the
// secondary side bar). It only carries messages; ChatController decides what they do.
import * as vscode from "vscode";
import {parseFromWebview, type FromWebview, type ToWebview} from "../../protocol/webview";
import {chatHtml} from "./webviewHtml";
import {webviewInit} from "./webviewStrings";
import * as l10n from "../l10n";

export const CHAT_VIEW_ID = "gemmaCode.chatView";

export class ChatViewProvider implements vscode.WebviewViewProvider {
    private view: vscode.WebviewView | undefined;

    constructor(private readonly extensionUri: vscode.Uri, private readonly log: vscode.LogOutputChannel,
                private readonly onMessage: (message: FromWebview) => Promise<void>) {}

    resolveWebviewView(view: vscode.WebviewView) {
        this.view = view;
        const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
        const media = vscode.Uri.joinPath(this.extensionUri, "media");
        const webview = view.webview;
        webview.options = {enableScripts: true, enableCommandUris: false, localResourceRoots: [dist, media]};
        webview.html = chatHtml({
            cspSource: webview.cspSource,
            scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js")).toString(),
            styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, "chat.css")).toString(),
            init: webviewInit()
        });
        // Not retained when hidden (it would keep a renderer alive); the script sends "ready" when it is back
        // and the controller sends everything again, a reply still streaming included.
        const received = webview.onDidReceiveMessage((raw: unknown) => {
            const message = parseFromWebview(raw);
            if (!message) {
                this.log.warn(`Chat panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
                return;
            }
            this.onMessage(message).catch((error) => {
                this.log.error(`Chat panel: ${message.type} failed: ${error instanceof Error ? error.stack : error}`);
                void vscode.window.showErrorMessage(l10n.t("Gemma Code: {0}", error instanceof Error ? error.message : String(error)));
            });
        });
        view.onDidDispose(() => {
            received.dispose();
            if (this.view === view) this.view = undefined;
        });
    }

    post(message: ToWebview) {
        // Dropped while the view is hidden or not yet created; "ready" brings the view up to date.
        void this.view?.webview.postMessage(message);
    }

    async reveal() {
        await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
    }
}
