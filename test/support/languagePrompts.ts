// The fixed prompts for answers in the user's language on real weights: chat questions written in Hindi, and
// Explain requests (a diagnostic or a selection) to be answered in Bengali. Shared by the real-tier test
// (test/real/language.test.ts) and the layout benchmark (bench/run-language-layouts.ts), so both measure the same set.
import type {Diagnostic, Range} from "vscode-languageserver";
import {TRANSCRIPT_EXAMPLES} from "../../language-server/engine/engine";

export const LANGUAGE_FILES = {
    "file:///real/average.js": {languageId: "javascript", text: [
        "function average(numbers) {",
        "  let total = 0;",
        "  for (let i = 0; i <= numbers.length; i++) {",
        "    total += numbers[i];",
        "  }",
        "  return total / numbers.length;",
        "}",
        ""
    ].join("\n")},
    "file:///real/greet.py": {languageId: "python", text: [
        "def greet(user):",
        "    message = \"Hello, \" + usr",
        "    print(message)",
        "",
        "greet(\"Asha\")",
        ""
    ].join("\n")},
    "file:///real/oldest.ts": {languageId: "typescript", text: [
        "interface User { name: string; age: number }",
        "",
        "export function oldest(users: User[]): User {",
        "  return users.sort((a, b) => b.age - a.age)[0].name;",
        "}",
        ""
    ].join("\n")}
} as const;
export type LanguageFileUri = keyof typeof LANGUAGE_FILES;

/** Asked in chat with average.js attached as context, and the responseLanguage setting left at English. */
export const HINDI_QUESTIONS = [
    "फ़ंक्शन average क्या करता है? दो वाक्यों में समझाइए।",
    "इस कोड में कौन सी गलती है?",
    "लूप की शर्त i <= numbers.length क्यों गलत है?",
    "JavaScript में let और const में क्या अंतर है?",
    "किसी सूची को उल्टा करने का आसान तरीका क्या है?",
    "अच्छे फ़ंक्शन का नाम कैसे चुनें?"
];
export const HINDI_CHAT_CONTEXT = {label: "average.js", uri: "file:///real/average.js"} as const;

/** Explained with responseLanguage "bn": three diagnostics from three tools, and one selection. */
export const BENGALI_EXPLAIN_CASES: {uri: LanguageFileUri; line: number; diagnostic?: Omit<Diagnostic, "range">}[] = [
    {uri: "file:///real/average.js", line: 2, diagnostic: {message: "Loop reads numbers[numbers.length], which is undefined", source: "eslint"}},
    {uri: "file:///real/greet.py", line: 1, diagnostic: {message: "\"usr\" is not defined", source: "Pylance", code: "reportUndefinedVariable"}},
    {uri: "file:///real/oldest.ts", line: 3, diagnostic: {message: "Type 'string' is not assignable to type 'User'.", source: "ts", code: 2322}},
    {uri: "file:///real/average.js", line: 5}
];

/** The range an Explain case covers (the line's first 40 characters), as the test and the bench send it. */
export function explainRange(line: number): Range {
    return {start: {line, character: 0}, end: {line, character: 40}};
}

/** Share of the letters outside code (fenced blocks, `inline`) that are in `script`. */
export function scriptShare(text: string, script: RegExp): number {
    const prose = text.replace(/```[\s\S]*?(```|$)/g, " ").replace(/`[^`\n]*`/g, " ");
    const letters = [...prose].filter((c) => /\p{L}/u.test(c));
    return letters.length ? letters.filter((c) => script.test(c)).length / letters.length : 0;
}
export const DEVANAGARI = /\p{Script=Devanagari}/u;
export const BENGALI = /\p{Script=Bengali}/u;
/** "Mostly" in that script: at least half the prose letters. */
export const MOSTLY = 0.5;

/** A reply that starts by repeating the instructions: tasks/chat.ts's CHAT_INSTRUCTIONS or the language request. */
export const ECHO = /^(You are Gemma Code|Write (your answer|the explanation|the review comments?) in )/;

/**
 * A reply that repeats its prompt instead of answering: the English instructions (ECHO), or, from the prompt a base
 * model gets in the reply's language, the request in the language's own words, a sentence of the task's own words
 * (tasks/language.ts's NATIVE_TASKS), the prompt's numbered code lines, or code from the transcript's worked examples
 * (engine/local/chatGeneration.ts), which has nothing to do with the question asked.
 */
export function echoesPrompt(reply: string, language: "hi" | "bn"): boolean {
    const text = reply.trim();
    const example = TRANSCRIPT_EXAMPLES[language];
    // The example's code spans (the odd pieces between backticks), but not one-word ones such as `3` or `items`.
    const exampleCode = [example, ...(example.code ? [example.code] : [])].flatMap((qa) => [qa.question, qa.answer])
        .flatMap((text) => text.split("`").filter((_, i) => i % 2 === 1)).filter((code) => /\W/.test(code) && code.length >= 6);
    // The prompt's numbered code listing ("3|   for …") copied back.
    return ECHO.test(text) || /^\d+\| /m.test(text) || [...PROMPT_PHRASES[language], ...exampleCode].some((p) => text.includes(p));
}
const PROMPT_PHRASES = {
    hi: ["कृपया उत्तर हिन्दी में दीजिए", "संपादक से संदर्भ:", "समझाइए कि"],
    bn: ["অনুগ্রহ করে উত্তর বাংলায় দিন", "এখানে এর অর্থ কী", "তা ব্যাখ্যা করুন", "কোনো ভুল থাকলে দেখান"]
};
