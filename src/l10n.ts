// The extension's one door to translations. Every user-visible string of src/ goes through l10n.t (VS Code's
// vscode.l10n.t: bundles in l10n/bundle.l10n.<locale>.json, chosen by vscode.env.language) or l10n.plural; the
// key is the English message itself, `{0}`-style placeholders stay. test/unit/l10n.test.ts checks that every key
// is in every bundle with the same placeholders, and that no prose in src/ or media/ bypasses this module.
// Modules without a vscode import (the chat controller, the review summary) use it too: outside the extension
// host (unit tests) it formats the English message.
import {t as english, translatorFor} from "../language-server/l10n";

type Arg = string | number | boolean;

interface VscodeL10n {
    l10n: {t(message: string, ...args: Arg[]): string};
    env: {language: string};
}

let host: VscodeL10n | undefined;
try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    host = require("vscode") as VscodeL10n;
} catch {
    host = undefined;
}

/**
 * English `message` with {0}, {1}… replaced; what vscode.l10n.t does when no bundle has the message. The server's
 * formatter (language-server/l10n.ts), so both sides fill placeholders by one rule.
 */
export function format(message: string, args: readonly Arg[]): string {
    return english(message, ...args);
}

/** The translation of `message` (its own English text as the key) in the display language, placeholders filled. */
export function t(message: string, ...args: Arg[]): string {
    return host ? host.l10n.t(message, ...args) : format(message, args);
}

/**
 * A message with a count: `one` when n is 1, else `other` (both are keys of the bundles, {0} is the count,
 * formatted for the locale). Translations pick wording that is right for their language's plural rules.
 */
export function plural(n: number, one: string, other: string, ...args: Arg[]): string {
    return n === 1 ? t(one, formatNumber(n), ...args) : t(other, formatNumber(n), ...args);
}

/** VS Code's display language ("en", "hi", "zh-cn" …); "en" outside the extension host. */
export function displayLanguage(): string {
    return host?.env.language ?? "en";
}

/** A number in the display language's formatting (grouping, digits): 12,345 · 12.345 · 12,34,567. */
export function formatNumber(n: number, options?: Intl.NumberFormatOptions, language = displayLanguage()): string {
    try {
        return new Intl.NumberFormat(language, options).format(n);
    } catch {
        return new Intl.NumberFormat("en", options).format(n);
    }
}

/**
 * A message of the code the extension shares with the language server (common/: the shared host's connection, git),
 * made in English with the server's l10n.t: in the display language, from the server's bundles (l10n/server/).
 */
export function fromShared(message: string): string {
    return translatorFor(displayLanguage()).text(message);
}

/** Right-to-left scripts among the languages VS Code can display. */
const RTL = new Set(["ar", "ur", "fa", "he", "iw", "ps", "sd", "ug", "yi", "dv", "ckb"]);

export function isRightToLeft(language = displayLanguage()): boolean {
    return RTL.has(language.toLowerCase().split(/[-_]/)[0]);
}
