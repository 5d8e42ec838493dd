// `node out/bench/run-review-prompts.js`: how often a review finds the known bug of small files
// (test/support/reviewCases.ts) and how often it flags clean ones, per review prompt / schema variant, on one model,
// through the product's review runner (review/reviewRunner.ts: chunks, grammar-constrained JSON, line checks) and
// generation loop; variants interleaved file by file. Options: --model FILE, --only a,b, --threads N.
import {execFileSync} from "node:child_process";
import os from "node:os";
import path from "node:path";
import {TextDocument} from "vscode-languageserver-textdocument";
import type {ChatTurn, GenerationResult, ModelSession} from "../language-server/engine/engine";
import {toChatHistory} from "../language-server/engine/local/localEngine";
import type {LoadedModel} from "../language-server/engine/local/modelHost";
import {loadNodeLlamaCpp} from "../language-server/engine/local/nodeLlamaCpp";
import {runReview} from "../language-server/review/reviewRunner";
import {generateReply} from "../language-server/engine/local/chatGeneration";
import {repoRoot} from "../test/support/paths";
import {hitsBug, REVIEW_CASES} from "../test/support/reviewCases";
import {arg, intArg} from "./cliArgs";

const THREADS = intArg("--threads", 1, 1);

type Schema = {properties: {comments: {items: {properties: Record<string, unknown>; required: string[]}; minItems?: number}}};

/** Each variant may rewrite the turns and the schema the product's runner asks for. */
const VARIANTS: {id: string; turns?: (t: ChatTurn[]) => ChatTurn[]; schema?: (s: Schema) => Schema; layout?: "template" | "transcript"}[] = [
    {id: "product"},
    // Gemma's chat turns even for a model without a chat template (the product before issue 12).
    {id: "gemma-turns", layout: "template"},
    // The message before the line numbers: the model says what is wrong before it has to point at a line.
    {id: "message-first", schema: messageFirst},
    {id: "bug-hunt", turns: bugHunt, schema: messageFirst},
    {id: "bug-hunt-product-schema", turns: bugHunt}
];

function messageFirst(s: Schema): Schema {
    const items = s.properties.comments.items;
    const order = ["message", "line", "endLine", "severity", "suggestion"];
    const properties = Object.fromEntries(order.filter((k) => k in items.properties).map((k) => [k, items.properties[k]]));
    return {...s, properties: {...s.properties, comments: {...s.properties.comments, items: {...items, properties, required: order}}}};
}

/** A prompt for a small model: one task, the code, and what a bug looks like. */
function bugHunt(turns: ChatTurn[]): ChatTurn[] {
    return turns.map((t) => {
        if (t.role !== "user") return t;
        const code = t.content.slice(t.content.indexOf("```"));
        return {...t, content: "Find the bugs in this code: lines that make it crash, give a wrong result, or do something other than "
            + "its name and comments say. For each bug give its line number (from the numbers on the left), a one-sentence "
            + "message saying what is wrong, a severity, and the corrected line in suggestion.\n\n" + code};
    });
}

async function main() {
    const model = arg("--model") ?? execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8"}).trim();
    const only = arg("--only")?.split(",");
    const variants = only ? VARIANTS.filter((v) => only.includes(v.id)) : VARIANTS;
    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({gpu: false, maxThreads: THREADS, build: "never", logLevel: "warn" as never});
    const m = await llama.loadModel({modelPath: model});
    const context = await m.createContext({contextSize: 4096, sequences: 1, threads: THREADS, flashAttention: true, swaFullCache: true});
    const loaded = {model: m, taskSequence: context.getSequence()} as unknown as LoadedModel;
    const log = {error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined};
    console.log(`${REVIEW_CASES.length} files × ${variants.length} variants, load ${os.loadavg()[0].toFixed(1)}`);
    const tally = new Map(variants.map((v) => [v.id, {hits: 0, buggy: 0, flaggedClean: 0, clean: 0, comments: 0}]));
    for (const [i, c] of REVIEW_CASES.entries()) {
        for (let k = 0; k < variants.length; k++) {
            const v = variants[(i + k) % variants.length];
            const session: Pick<ModelSession, "countTokens" | "generateJson" | "contextSize"> = {
                contextSize: 4096,
                countTokens: (s) => m.tokenize(s, false).length,
                generateJson: async (history, schema, options): Promise<GenerationResult> => {
                    const s = v.schema ? v.schema(schema as Schema) : schema;
                    const grammar = await llama.createGrammarForJsonSchema(s as never);
                    return generateReply(loaded, toChatHistory(v.turns ? v.turns(history) : history), {...options, grammar: grammar as never, layout: v.layout});
                }
            };
            const doc = TextDocument.create(`file:///w/${c.file}`, c.languageId, 1, c.text);
            const started = performance.now();
            const out = await runReview(session as ModelSession, doc, undefined, 3000, new AbortController().signal, log);
            const t = tally.get(v.id)!;
            const hit = out.comments.some((x) => hitsBug(c, x.range.start.line, x.range.end.line));
            t.comments += out.comments.length;
            if (c.bugLine !== undefined) {
                t.buggy++;
                if (hit) t.hits++;
            } else {
                t.clean++;
                if (out.comments.length) t.flaggedClean++;
            }
            console.log(`  ${c.name} / ${v.id}: ${hit ? "HIT " : ""}${((performance.now() - started) / 1000).toFixed(0)} s `
                + JSON.stringify(out.comments.map((x) => `${x.range.start.line + 1}: ${x.message}`)));
        }
    }
    console.log("\n| variant | bug found | clean file flagged | comments |\n|---|---|---|---|");
    for (const [id, t] of tally) console.log(`| ${id} | ${t.hits}/${t.buggy} | ${t.flaggedClean}/${t.clean} | ${t.comments} |`);
    await context.dispose();
    await m.dispose();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
