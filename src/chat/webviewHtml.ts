// The chat webview's HTML: an empty body (media/chatView.ts builds the DOM), our stylesheet and script, and a
// CSP that allows nothing else: no inline script (only ours, by a nonce that is new for every render), no
// remote or inline styles, no frames, no network. Even HTML that got past the sanitiser could not run.
import {randomBytes} from "node:crypto";
import type {WebviewInit} from "../../protocol/webview";

export interface ChatHtmlInput {
    /** webview.cspSource */
    cspSource: string;
    /** webview.asWebviewUri(...) of dist/webview.js and media/chat.css, as strings. */
    scriptUri: string;
    styleUri: string;
    /** The display language, its direction and the panel's texts (read by media/main.ts from the meta tag). */
    init: WebviewInit;
    nonce?: string;
}

export function newNonce() {
    return randomBytes(18).toString("base64");
}

export function contentSecurityPolicy(cspSource: string, nonce: string) {
    return [
        "default-src 'none'",
        `style-src ${cspSource}`,
        `script-src 'nonce-${nonce}'`,
        `img-src ${cspSource} data:`, // l10n-ignore: a CSP directive
        `font-src ${cspSource}`
    ].join("; ");
}

export function chatHtml({cspSource, scriptUri, styleUri, init, nonce = newNonce()}: ChatHtmlInput): string {
    return `<!DOCTYPE html>
<html lang="${attr(init.lang)}" dir="${init.dir === "rtl" ? "rtl" : "ltr"}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="gemma-init" content="${attr(JSON.stringify(init))}">
<link rel="stylesheet" href="${attr(styleUri)}">
<title>${attr(init.strings.gemma)}</title>
</head>
<body>
<script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>`;
}

function attr(s: string) {
    return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
