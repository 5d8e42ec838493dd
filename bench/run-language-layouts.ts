// `node out/bench/run-language-layouts.js`: how often a base model (no chat template: the plain transcript of
// engine/local/chatGeneration.ts) answers in the language it should, for each way of writing the transcript's worked
// example. Fixed prompts (test/support/languagePrompts.ts, the real-tier language test's): chat questions asked in
// Hindi (the question's script decides) and Explain requests with responseLanguage "bn"; the product's own prompt
// builders and generation loop, greedy; variants interleaved prompt by prompt (each prompt rotates which goes first).
// Options: --model FILE, --max-tokens N (default 96, the chat.maxTokens the test uses), --only a,b, --threads N.
import os from "node:os";
import {TextDocument} from "vscode-languageserver-textdocument";
import {toChatHistory} from "../language-server/engine/local/localEngine";
import type {ChatTurn} from "../language-server/engine/engine";
import {buildChatPrompt} from "../language-server/tasks/chat";
import {generateReply} from "../language-server/engine/local/chatGeneration";
import {TRANSCRIPT_EXAMPLES, transcriptExample, type TranscriptExample} from "../language-server/engine/engine";
import {explainTurns} from "../language-server/tasks/explain";
import {BENGALI, BENGALI_EXPLAIN_CASES, DEVANAGARI, ECHO, explainRange, HINDI_CHAT_CONTEXT, HINDI_QUESTIONS, LANGUAGE_FILES,
    MOSTLY, scriptShare} from "../test/support/languagePrompts";
import {echoesInstructions} from "../test/support/realModel";
import {arg, intArg} from "./cliArgs";
import {loadTaskModel} from "./taskModel";

const MAX_TOKENS = intArg("--max-tokens", 96, 8);
const THREADS = intArg("--threads", 1, 1);

/** The English request sentence languageInstruction (tasks/language.ts) puts before the request in the language's own words. */
const ENGLISH_REQUEST = /Write (your answer|the explanation) in [^.]+\. Keep code, identifiers, file paths and quoted compiler or tool messages exactly as they are\. ?/;

interface Variant {
    id: string;
    /** The worked example for a reply language; undefined = the product's (transcriptExample(language)). */
    example?: (language: string) => TranscriptExample;
    turns?: (turns: ChatTurn[]) => ChatTurn[];
    /** The prompt builders' followsPattern (the task's own words in the reply's language); default false. */
    followsPattern?: boolean;
}
const VARIANTS: Variant[] = [
    // The transcript before: the English example, "in plain English", English labels.
    {id: "english-example", example: () => TRANSCRIPT_EXAMPLES.en},
    // The example (heading, question, answer) in the reply's language, the labels still "Question:"/"Answer:".
    {id: "native-example-en-labels", example: (l) => ({...transcriptExample(l), questionLabel: "Question:", answerLabel: "Answer:"})},
    // The example and its labels in the reply's language (transcriptExample).
    {id: "native-example"},
    // As native-example, and the request only in the language's own words (no English sentence before it).
    {id: "native-example-native-request", turns: (t) => t.map((x) => ({...x, content: x.content.replace(ENGLISH_REQUEST, "")}))},
    // As native-example-native-request, and the task's own sentences ("Context from the editor:", Explain's task) in
    // the reply's language: the prompt builders with followsPattern, what a model without a chat template gets.
    {id: "native-prompt", followsPattern: true}
];

interface Prompt {
    name: string;
    language: string;
    script: RegExp;
    turns: (followsPattern: boolean) => ChatTurn[];
}

async function main() {
    const only = arg("--only")?.split(",");
    const variants = only ? VARIANTS.filter((v) => only.includes(v.id)) : VARIANTS;
    const {loaded, count, dispose} = await loadTaskModel(THREADS);

    const prompts: Prompt[] = [];
    for (const question of HINDI_QUESTIONS) {
        const build = (followsPattern: boolean) => buildChatPrompt({messages: [{role: "user", content: question}],
            context: [{label: HINDI_CHAT_CONTEXT.label, text: LANGUAGE_FILES[HINDI_CHAT_CONTEXT.uri].text}]}, count, 4096, MAX_TOKENS, "", followsPattern);
        prompts.push({name: `hi chat: ${question.slice(0, 24)}`, language: build(false).language ?? "en", script: DEVANAGARI,
            turns: (f) => {
                const built = build(f);
                return [...built.history, {role: "user", content: built.question}];
            }});
    }
    for (const c of BENGALI_EXPLAIN_CASES) {
        const file = LANGUAGE_FILES[c.uri];
        const range = explainRange(c.line);
        const doc = TextDocument.create(c.uri, file.languageId, 1, file.text);
        prompts.push({name: `bn explain: ${c.uri.replace(/^.*\//, "")}:${c.line + 1}`, language: "bn", script: BENGALI,
            turns: (f) => explainTurns(doc, {textDocument: {uri: c.uri}, range, ...(c.diagnostic ? {diagnostic: {range, ...c.diagnostic}} : {})}, "bn", f)});
    }

    console.log(`${prompts.length} prompts × ${variants.length} variants, ${MAX_TOKENS} tokens, ${THREADS} thread(s), `
        + `load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}, ${new Date().toISOString()}`);
    const tally = new Map(variants.map((v) => [v.id, {hi: 0, hiN: 0, bn: 0, bnN: 0, echo: 0}]));
    const started = Date.now();
    for (const [i, p] of prompts.entries()) {
        for (let k = 0; k < variants.length; k++) {
            const v = variants[(i + k) % variants.length];
            const built = p.turns(v.followsPattern ?? false);
            const turns = v.turns ? v.turns(built) : built;
            const reply = await generateReply(loaded, toChatHistory(turns), {maxTokens: MAX_TOKENS, signal: new AbortController().signal,
                layout: "transcript", language: p.language, example: v.example?.(p.language)});
            const share = scriptShare(reply.text, p.script);
            const echo = ECHO.test(reply.text.trim()) || echoesInstructions(reply.text);
            const t = tally.get(v.id)!;
            if (p.script === DEVANAGARI) {
                t.hiN++;
                if (share >= MOSTLY) t.hi++;
            } else {
                t.bnN++;
                if (share >= MOSTLY) t.bn++;
            }
            if (echo) t.echo++;
            console.log(`  ${p.name} / ${v.id}: ${(100 * share).toFixed(0)} %${echo ? " ECHO" : ""} ${JSON.stringify(reply.text.slice(0, 140))}`);
        }
    }
    console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    console.log("\n| transcript example | Hindi chat mostly Devanagari | Bengali explain mostly Bengali | repeat the instructions |\n|---|---|---|---|");
    for (const [id, t] of tally) console.log(`| ${id} | ${t.hi}/${t.hiN} | ${t.bn}/${t.bnN} | ${t.echo}/${t.hiN + t.bnN} |`);
    await dispose();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
