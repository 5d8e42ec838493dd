// Entry point of the chat webview (bundled by esbuild.mjs into dist/webview.js, loaded with the CSP nonce).
import type {ToWebview, WebviewInit} from "../protocol/webview";
import {ChatView} from "./chatView";

declare function acquireVsCodeApi(): {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
};

const vscode = acquireVsCodeApi();
// The extension writes the display language's texts into the page (src/chat/webviewHtml.ts).
const init = JSON.parse(document.querySelector<HTMLMetaElement>("meta[name=gemma-init]")!.content) as WebviewInit;
const view = new ChatView(document, init, {
    post: (m) => vscode.postMessage(m),
    getState: () => vscode.getState(),
    setState: (s) => vscode.setState(s)
});
window.addEventListener("message", (e: MessageEvent<ToWebview>) => view.handle(e.data));
view.start();
