// The language server's user-visible messages in the client's language (LSP `InitializeParams.locale`), for any
// client. Messages are made in English everywhere in the server (`l10n.t("The model file {0} does not exist…",
// path)`), so that logs, the code that reads them (isFileProblem) and the shared host's state, which windows of
// different languages share, stay one English text. Each connection translates what it sends (server.ts: error
// responses, the state and its progress, review notes, code action titles) with its own Translator, which finds the
// message's key by its English form: every key of the English bundle is a pattern ({0} → any text), the arguments
// it captured are translated in turn when they are messages themselves (a fallback step's label, a list of failures
// joined by "; "), and sentences joined by a space are translated one by one. Text that is no message (a server's
// own error text, llama.cpp's) stays as it is.
//
// Bundles: l10n/server/bundle.l10n[.<locale>].json, keyed by the English message like the extension's own
// (l10n/bundle.l10n.*.json), shipped in the .vsix next to dist/. test/unit/serverL10n.test.ts checks that every
// l10n.t key of language-server/ and common/ is in every bundle and that no message site bypasses l10n.t.
import fs from "node:fs";
import path from "node:path";

type Arg = string | number | boolean;

/** `message` with {0}, {1}… replaced by `args`: the English text of a user-visible message (see the header). */
export function t(message: string, ...args: Arg[]): string {
    return message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));
}

/** The folder of the server's bundles: l10n/server next to dist/ (or the repository's, for tests run from out/). */
function bundleDir(): string | undefined {
    for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
        const candidate = path.join(dir, "l10n", "server");
        if (fs.existsSync(path.join(candidate, "bundle.l10n.json"))) return candidate;
    }
    return undefined;
}

function readBundle(file: string): Record<string, string> | undefined {
    try {
        const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
        return parsed && typeof parsed === "object" ? parsed as Record<string, string> : undefined;
    } catch {
        return undefined;
    }
}

/** The bundle for a locale: its exact name ("zh-cn"), else its language ("es-mx" → "es"); none for English. */
function bundleFor(locale: string, dir: string): Record<string, string> | undefined {
    const tag = locale.trim().toLowerCase().replace(/_/g, "-");
    if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(tag)) return undefined;
    const primary = tag.split("-")[0];
    if (primary === "en") return undefined;
    for (const name of new Set([tag, primary])) {
        const bundle = readBundle(path.join(dir, `bundle.l10n.${name}.json`));
        if (bundle) return bundle;
    }
    return undefined;
}

interface Pattern {
    key: string;
    whole: RegExp;
    /** The key as the first sentence of a longer text: `key rest`. */
    first: RegExp;
    /** Literal characters: among several keys that match, the one with the most is the message. */
    literal: number;
    /** The key ends a sentence with its own text (not a placeholder): it can be the first of several. */
    sentence: boolean;
    /** Placeholder number of each capture group. */
    slots: number[];
}

function compile(key: string): Pattern {
    const slots: number[] = [];
    let source = "";
    let literal = 0;
    let last = 0;
    for (const m of key.matchAll(/\{(\d+)\}/g)) {
        const text = key.slice(last, m.index);
        source += text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        literal += text.length;
        source += "([\\s\\S]*?)";
        slots.push(Number(m[1]));
        last = m.index! + m[0].length;
    }
    const tail = key.slice(last);
    source += tail.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    literal += tail.length;
    return {key, whole: new RegExp(`^${source}$`), first: new RegExp(`^${source} ([\\s\\S]+)$`), literal, slots,
        sentence: /[.!?…)]$/.test(tail)};
}

/** How deep arguments that are messages themselves are translated (a label inside a failure inside a message). */
const MAX_DEPTH = 4;
/** Longer text is no message of ours (a tool's output quoted whole): it is passed on without matching. */
const MAX_CHARS = 4096;

export class Translator {
    private readonly patterns: Pattern[];

    /** bundle: English message → translation; none (English, or a language without a bundle) translates nothing. */
    constructor(private readonly bundle: Record<string, string> | undefined) {
        this.patterns = bundle ? Object.keys(bundle).filter((k) => /\S/.test(k.replace(/\{\d+\}/g, ""))).map(compile)
            .sort((a, b) => b.literal - a.literal) : [];
    }

    get translates(): boolean {
        return this.patterns.length > 0;
    }

    /** `english` (a message made with t(), or any other text) in this translator's language. */
    text(english: string, depth = 0): string {
        if (!this.bundle || !english || depth > MAX_DEPTH || english.length > MAX_CHARS) return english;
        // Sentences joined by a space ("X ready on CPU. 2 other window(s) also hold this model in memory."): a key
        // that ends a sentence, followed by text that is a message too. Tried first, the shortest first sentence
        // first: a key alone would also match the whole text, a placeholder swallowing the other sentences.
        const firsts = this.patterns.flatMap((p) => {
            const m = p.sentence ? p.first.exec(english) : null;
            return m ? [{p, m, rest: m[p.slots.length + 1]}] : [];
        }).sort((a, b) => b.rest.length - a.rest.length);
        for (const {p, m, rest} of firsts) {
            // The same level: the rest is shorter, so this ends; only arguments nest deeper.
            const restText = this.text(rest, depth);
            if (restText !== rest) return `${this.fill(p, m, depth)} ${restText}`;
        }
        // A list of messages ("the GPU: …; the CPU: …", an argument of another message), when each is one.
        if (english.includes("; ")) {
            const parts = english.split("; ");
            const translated = parts.map((part) => this.text(part, depth));
            if (translated.every((part, i) => part !== parts[i])) return translated.join("; ");
        }
        for (const p of this.patterns) {
            const m = p.whole.exec(english);
            if (m) return this.fill(p, m, depth);
        }
        return english;
    }

    /** The translation of p's key with the arguments m captured, each translated in turn. */
    private fill(p: Pattern, m: RegExpExecArray, depth: number): string {
        const args: string[] = [];
        p.slots.forEach((slot, i) => (args[slot] = this.text(m[i + 1], depth + 1)));
        return t(this.bundle![p.key], ...args);
    }
}

const cache = new Map<string, Translator>();
const ENGLISH = new Translator(undefined);

/** The translator for an LSP client's locale ("hi", "zh-CN", "es-MX"…); English for none or an unknown one. */
export function translatorFor(locale: unknown, dir = bundleDir()): Translator {
    if (typeof locale !== "string" || !dir) return ENGLISH;
    const key = `${dir}\n${locale.toLowerCase()}`;
    let translator = cache.get(key);
    if (!translator) {
        translator = new Translator(bundleFor(locale, dir));
        cache.set(key, translator);
    }
    return translator;
}
