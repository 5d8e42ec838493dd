// `node out/bench/run-chat-layouts.js`: how often a model repeats its instructions instead of answering, for
// chat and Explain, with each way of laying the instructions out in Gemma's turns (Gemma has no system role).
// Fixed prompts (test/support/chatPrompts.ts), the product's own prompt builders and generation loop, greedy;
// layouts interleaved prompt by prompt. Options: --model FILE, --max-tokens N (default 96), --only a,b, --threads N.
import os from "node:os";
import {TextDocument} from "vscode-languageserver-textdocument";
import {toChatHistory} from "../language-server/engine/local/localEngine";
import type {ChatTurn} from "../language-server/engine/engine";
import {buildChatPrompt} from "../language-server/tasks/chat";
import {generateReply} from "../language-server/engine/local/chatGeneration";
import {explainTurns} from "../language-server/tasks/explain";
import {CHAT_LAYOUT_PROMPTS} from "../test/support/chatPrompts";
import {echoesInstructions, looksLikeEnglish} from "../test/support/realModel";
import {arg, intArg} from "./cliArgs";
import {loadTaskModel} from "./taskModel";

const MAX_TOKENS = intArg("--max-tokens", 96, 8);
const THREADS = intArg("--threads", 1, 1);

/** Layouts: how the product's turns (system + user…) are rendered and sent. */
const LAYOUTS: {id: string; layout: "template" | "transcript"; apply: (turns: ChatTurn[]) => ChatTurn[]}[] = [
    // The plain-text transcript (engine/local/chatGeneration.ts), the product's choice for models without a chat template.
    {id: "transcript", layout: "transcript", apply: (t) => t},
    // Gemma's turns with the system text as a system turn: node-llama-cpp's Gemma wrapper joins it to the user's
    // with "\n\n---\n\n" (the product's layout before, and still for models with a chat template).
    {id: "system-turn", layout: "template", apply: (t) => t},
    // Gemma 3's own template: the system text, a blank line, the first user message.
    {id: "gemma3-template", layout: "template", apply: (t) => foldFirst(t, (sys, user) => `${sys}\n\n${user}`)},
    // The instructions after the question: the last thing the model reads before it answers.
    {id: "instructions-last", layout: "template", apply: (t) => foldFirst(t, (sys, user) => `${user}\n\n${sys}`)},
    {id: "no-instructions", layout: "template", apply: (t) => t.filter((x) => x.role !== "system")}
];

function foldFirst(turns: ChatTurn[], join: (sys: string, user: string) => string): ChatTurn[] {
    const sys = turns.filter((t) => t.role === "system").map((t) => t.content).join("\n\n");
    const rest = turns.filter((t) => t.role !== "system");
    const i = rest.findIndex((t) => t.role === "user");
    if (!sys || i < 0) return rest;
    return rest.map((t, k) => (k === i ? {...t, content: join(sys, t.content)} : t));
}

async function main() {
    const only = arg("--only")?.split(",");
    const layouts = only ? LAYOUTS.filter((l) => only.includes(l.id)) : LAYOUTS;
    const {loaded, count, dispose} = await loadTaskModel(THREADS);
    console.log(`${CHAT_LAYOUT_PROMPTS.length} prompts × ${layouts.length} layouts, ${MAX_TOKENS} tokens, load ${os.loadavg()[0].toFixed(1)}`);
    const tally = new Map(layouts.map((l) => [l.id, {echo: 0, english: 0, n: 0}]));
    for (const [i, p] of CHAT_LAYOUT_PROMPTS.entries()) {
        const turns: ChatTurn[] = p.kind === "chat"
            ? (() => {
                const built = buildChatPrompt({messages: [{role: "user", content: p.question}], context: p.context}, count, 4096, MAX_TOKENS);
                return [...built.history, {role: "user", content: built.question}];
            })()
            : explainTurns(TextDocument.create(`file:///w/${p.file}`, p.languageId, 1, p.code), {textDocument: {uri: `file:///w/${p.file}`},
                range: p.range, diagnostic: p.diagnostic});
        for (let k = 0; k < layouts.length; k++) {
            const layout = layouts[(i + k) % layouts.length];
            const reply = await generateReply(loaded, toChatHistory(layout.apply(turns)),
                {maxTokens: MAX_TOKENS, signal: new AbortController().signal, layout: layout.layout});
            const t = tally.get(layout.id)!;
            const echo = echoesInstructions(reply.text) || repeatsQuestion(reply.text, p);
            t.n++;
            if (echo) t.echo++;
            if (looksLikeEnglish(reply.text).ok) t.english++;
            console.log(`  ${p.name} / ${layout.id}: ${echo ? "ECHO " : ""}${JSON.stringify(reply.text.slice(0, 160))}`);
        }
    }
    console.log("\n| layout | echoes instructions | readable English |\n|---|---|---|");
    for (const [id, t] of tally) console.log(`| ${id} | ${t.echo}/${t.n} | ${t.english}/${t.n} |`);
    await dispose();
}

/** The reply starts by repeating the question (what a base model does with a turn it cannot read). */
function repeatsQuestion(reply: string, p: (typeof CHAT_LAYOUT_PROMPTS)[number]) {
    const start = reply.trim().slice(0, 40).toLowerCase();
    return p.kind === "chat" && start.length >= 10 && p.question.toLowerCase().startsWith(start.slice(0, 20));
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
