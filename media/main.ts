// Entry point of the chat webview (bundled by esbuild.mjs into dist/webview.js, loaded with the CSP nonce).
import type {ToWebview} from "../protocol/webview";
import {ChatView} from "./chatView";

declare function acquireVsCodeApi(): {
    postMessage(message: unknown): void;
    getState(): unknown;
    setState(state: unknown): void;
};

const vscode = acquireVsCodeApi();
const view = new ChatView(document, {
    post: (m) => vscode.postMessage(m),
    getState: () => vscode.getState(),
    setState: (s) => vscode.setState(s)
});
window.addEventListener("message", (e: MessageEvent<ToWebview>) => view.handle(e.data));
view.start();
