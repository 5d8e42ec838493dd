// `node out/bench/run-review-prompts.js`: how often a review finds the known bug of small files
// (test/support/reviewCases.ts) and how often it flags clean ones, per review prompt / schema variant, on one model,
// through the product's review runner (review/reviewRunner.ts: chunks, grammar-constrained JSON, line checks) and
// generation loop; variants interleaved file by file (the order rotating). A comment "hits" when it sits on the bug's
// line; a model that comments on every line hits too, so the table also counts files where only the bug line was
// commented, hits whose message names the bug (ReviewCase.names), and comments elsewhere.
// Options: --model FILE, --only "a b" (ids separated by spaces), --threads N, --verbose.
import os from "node:os";
import {TextDocument} from "vscode-languageserver-textdocument";
import type {GenerationResult, ModelSession} from "../language-server/engine/engine";
import {toChatHistory} from "../language-server/engine/local/localEngine";
import {BASE_REVIEW_STYLE, ReviewStyle, runReview, TEMPLATE_REVIEW_STYLE} from "../language-server/review/reviewRunner";
import {generateReply} from "../language-server/engine/local/chatGeneration";
import {hitsBug, REVIEW_CASES} from "../test/support/reviewCases";
import {arg, intArg} from "./cliArgs";
import {loadTaskModel} from "./taskModel";

const THREADS = intArg("--threads", 1, 1);

/**
 * Each variant is a review style of the product's runner (examples, how a comment names its line, property order),
 * and optionally the layout of the conversation (default: the product's, the transcript for a model without a
 * chat template).
 */
const VARIANTS: {id: string; style: ReviewStyle; layout?: "template" | "transcript"}[] = [
    // The product before this measurement, for every model: the prompt alone, comments by line number.
    {id: "numbers", style: TEMPLATE_REVIEW_STYLE},
    // Worked reviews (REVIEW_EXAMPLES) as earlier turns, comments by line number.
    {id: "numbers+clean,bug", style: {examples: ["greet", "percent"], pointBy: "number"}},
    // Comments name their line by quoting it (an enum of the chunk's lines).
    {id: "quote", style: {examples: [], pointBy: "quote"}},
    {id: "quote+bug,clean", style: {examples: ["percent", "greet"], pointBy: "quote"}},
    {id: "quote+clean,bug", style: {examples: ["greet", "percent"], pointBy: "quote"}},
    {id: "quote+bug,clean,bug", style: {examples: ["percent", "greet", "countEven"], pointBy: "quote"}},
    {id: "quote+bug", style: {examples: ["percent"], pointBy: "quote"}},
    {id: "quote+bug,bug", style: {examples: ["percent", "countEven"], pointBy: "quote"}},
    {id: "quote+bug,clean/message-first", style: {examples: ["percent", "greet"], pointBy: "quote", order: ["message", "code", "severity", "suggestion"]}}
];

async function main() {
    const only = arg("--only")?.split(" ");
    const variants = only ? VARIANTS.filter((v) => only.includes(v.id)) : VARIANTS;
    const {llama, loaded, count, dispose} = await loadTaskModel(THREADS);
    // --verbose: the runner's debug log (each chunk's raw answer).
    const verbose = process.argv.includes("--verbose");
    const log = {error: () => undefined, warn: () => undefined, info: () => undefined, debug: (m: string) => void (verbose && console.log(`    ${m}`))};
    console.log(`${REVIEW_CASES.length} files × ${variants.length} variants, load ${os.loadavg()[0].toFixed(1)}`);
    const tally = new Map(variants.map((v) => [v.id, {buggy: 0, onBug: 0, onlyBug: 0, named: 0, elsewhere: 0, clean: 0, flaggedClean: 0, seconds: 0}]));
    for (const [i, c] of REVIEW_CASES.entries()) {
        for (let k = 0; k < variants.length; k++) {
            const v = variants[(i + k) % variants.length];
            const session: Pick<ModelSession, "countTokens" | "generateJson" | "contextSize"> = {
                contextSize: 4096,
                countTokens: count,
                generateJson: async (history, schema, options): Promise<GenerationResult> => {
                    const grammar = await llama.createGrammarForJsonSchema(schema as never);
                    return generateReply(loaded, toChatHistory(history), {...options, grammar: grammar as never, layout: v.layout});
                }
            };
            const doc = TextDocument.create(`file:///w/${c.file}`, c.languageId, 1, c.text);
            const started = performance.now();
            const out = await runReview(session as ModelSession, doc, undefined, 3000, new AbortController().signal, log, undefined, v.style);
            const seconds = (performance.now() - started) / 1000;
            const t = tally.get(v.id)!;
            t.seconds += seconds;
            const onBug = out.comments.filter((x) => hitsBug(c, x.range.start.line, x.range.end.line));
            const named = onBug.some((x) => c.names?.test(x.message));
            if (c.bugLine !== undefined) {
                t.buggy++;
                if (onBug.length) t.onBug++;
                if (onBug.length && onBug.length === out.comments.length) t.onlyBug++;
                if (named) t.named++;
                t.elsewhere += out.comments.length - onBug.length;
            } else {
                t.clean++;
                if (out.comments.length) t.flaggedClean++;
            }
            console.log(`  ${c.name} / ${v.id}: ${onBug.length ? (named ? "HIT+TRUE " : "HIT ") : ""}${seconds.toFixed(0)} s `
                + JSON.stringify(out.comments.map((x) => `${x.range.start.line + 1}: ${x.message}`)));
        }
    }
    // Positional guesses, without a model: a style that only copies where its examples' bugs sit scores like one.
    const codeLines = (c: typeof REVIEW_CASES[number]) => c.text.split("\n").map((l, i) => ({l, i})).filter(({l}) => /[\p{L}\p{N}]/u.test(l));
    for (const [id, pick] of [["(no model) the first line with code", (c: typeof REVIEW_CASES[number]) => codeLines(c)[0].i],
        ["(no model) the last line with code", (c: typeof REVIEW_CASES[number]) => codeLines(c).at(-1)!.i],
        ["(no model) the third line", () => 2]] as const) {
        const buggy = REVIEW_CASES.filter((c) => c.bugLine !== undefined);
        const hits = buggy.filter((c) => c.bugLine === pick(c)).length;
        tally.set(id, {buggy: buggy.length, onBug: hits, onlyBug: hits, named: 0, elsewhere: buggy.length - hits, clean: REVIEW_CASES.length - buggy.length,
            flaggedClean: REVIEW_CASES.length - buggy.length, seconds: 0});
    }
    console.log(`\nload at the end ${os.loadavg()[0].toFixed(1)}; product's style for a model without a chat template: ${JSON.stringify(BASE_REVIEW_STYLE)}`);
    console.log("\n| variant | bug line commented | only the bug line commented | ... with a true message | comments on other lines (buggy files) | clean file flagged | s per file |\n|---|---|---|---|---|---|---|");
    for (const [id, t] of tally) {
        console.log(`| ${id} | ${t.onBug}/${t.buggy} | ${t.onlyBug}/${t.buggy} | ${t.named}/${t.buggy} | ${t.elsewhere} | ${t.flaggedClean}/${t.clean} | `
            + `${(t.seconds / (t.buggy + t.clean)).toFixed(1)} |`);
    }
    await dispose();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
