// Turns a model reply (markdown) into DOM nodes that cannot run anything. The model's text is untrusted: a
// prompt-injected file can make it emit HTML or javascript: links. Three layers, each enough on its own for the
// common cases: markdown-it with raw HTML off, DOMPurify with an allow-list, and the webview's CSP.
import createDOMPurify, {type Config, type DOMPurify} from "dompurify";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import MarkdownIt from "markdown-it";
import {fill, type CodeAction, type WebviewStrings} from "../protocol/webview";

// Registered one by one: highlight.js's default export carries ~190 languages (~1 MB in the bundle).
const languages = {bash, c, cpp, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml};
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);

const ALLOWED_TAGS = ["p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span"];

const SANITIZE: Config & {RETURN_DOM_FRAGMENT: true} = {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "class", "start"],
    // Only links VS Code opens outside the webview; no relative, data:, javascript:, command: or file: URLs.
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    // Redundant with the allow-lists; spelled out so that widening ALLOWED_TAGS cannot bring these back.
    FORBID_TAGS: ["script", "iframe", "frame", "object", "embed", "style", "link", "meta", "base", "form", "img",
        "svg", "math", "video", "audio", "source"],
    FORBID_ATTR: ["style", "src", "srcset", "action", "formaction"],
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    RETURN_DOM_FRAGMENT: true
};

// Classes that markdown-it and highlight.js produce; anything else could borrow the panel's own styling (a
// reply dressed up as a button or a system note).
const SAFE_CLASS = /^(?:hljs(?:-[\w-]+)?|language-[\w+#.-]+)$/;

export interface Renderer {
    /** Markdown → sanitised nodes of the renderer's window's document. */
    render(markdown: string): DocumentFragment;
    /** Sanitises HTML with the same rules (exported for tests of the second layer). */
    sanitize(html: string): DocumentFragment;
}

export function createRenderer(win: Window): Renderer {
    const purify: DOMPurify = createDOMPurify(win as unknown as Parameters<typeof createDOMPurify>[0]);
    purify.addHook("uponSanitizeAttribute", (_node, data) => {
        if (/^on/i.test(data.attrName)) data.keepAttr = false;
        if (data.attrName === "class") {
            data.attrValue = data.attrValue.split(/\s+/).filter((c) => SAFE_CLASS.test(c)).join(" ");
        }
    });

    const md = new MarkdownIt({
        html: false,
        linkify: false,
        typographer: false,
        highlight: (code, lang) => {
            const language = lang && hljs.getLanguage(lang) ? lang : undefined;
            // "" makes markdown-it escape the code itself.
            return language ? hljs.highlight(code, {language, ignoreIllegals: true}).value : "";
        }
    });
    // No images at all: remote ones would leak that the reply was read (and the CSP blocks them anyway).
    md.disable("image");

    const sanitize = (html: string) => {
        const fragment = purify.sanitize(html, SANITIZE);
        // A link whose URL was refused is left as its text, so it does not look clickable.
        for (const a of Array.from(fragment.querySelectorAll("a:not([href])"))) a.replaceWith(...Array.from(a.childNodes));
        return fragment;
    };
    return {render: (markdown) => sanitize(md.render(markdown)), sanitize};
}

export function codeActions(s: WebviewStrings): {action: CodeAction; label: string; title: string}[] {
    return [
        {action: "copy", label: s.copy, title: s.copyTitle},
        {action: "insertAtCursor", label: s.insertAtCursor, title: s.insertAtCursorTitle},
        {action: "applyToFile", label: s.applyToFile, title: s.applyToFileTitle}
    ];
}

/** The language of a rendered code block, from markdown-it's `language-…` class. */
export function codeLanguage(code: Element): string | undefined {
    for (const c of Array.from(code.classList)) if (c.startsWith("language-")) return c.slice("language-".length);
    return undefined;
}

/**
 * Wraps each `<pre><code>` in a block with a toolbar of CODE_ACTIONS buttons. The buttons are made here, after
 * sanitising, so no reply can produce one; clicks are handled by whoever owns the container (data-action).
 */
export function decorateCodeBlocks(root: DocumentFragment | Element, doc: Document, strings: WebviewStrings) {
    for (const pre of Array.from(root.querySelectorAll("pre"))) {
        const code = pre.querySelector("code");
        if (!code) continue;
        const block = doc.createElement("div");
        block.className = "code-block";
        const bar = doc.createElement("div");
        bar.className = "code-actions";
        bar.setAttribute("role", "toolbar");
        const language = codeLanguage(code);
        bar.setAttribute("aria-label", language ? fill(strings.codeActionsFor, language) : strings.codeActions);
        // Code reads left to right in every language; the toolbar and the block stay so in a right-to-left panel.
        block.dir = "ltr";
        for (const {action, label, title} of codeActions(strings)) {
            const b = doc.createElement("button");
            b.type = "button";
            b.dataset.action = action;
            b.textContent = label;
            b.title = title;
            bar.append(b);
        }
        pre.replaceWith(block);
        block.append(bar, pre);
    }
}
