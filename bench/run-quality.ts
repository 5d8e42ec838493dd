// `npm run bench:quality`: completion quality on real code, one model, the same masked cases for every variant, in
// one run (bench/qualityCases.ts: TypeScript, JavaScript and Python nobody here wrote).
//   baseline: llama-server's /completion with the plain prefix, what a llama.vscode user gets from a model without
//             fill-in-the-middle training (same prefix window as our prompt, greedy);
//   ours:     the language server over LSP with each prompt style, context on (definitions + open editors) or off,
//             and postprocessing on or off (off: the model's raw text from the same generation, cut the same way).
// Options: --model FILE (default: Gemma 3 270M from scripts/fetch-real-model.sh), --per-file N (cases per file,
// default 15), --quick (3 per file), --only a,b (variant ids, in the order given), --prompt-tokens N, --out FILE.
// Prints a table and writes JSON (again after each variant, so a long run that is stopped keeps what it measured).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {ServerProcess} from "../common/serverProcess";
import {prefixWindow} from "../language-server/completion/prompt";
import type {PromptStyle} from "../protocol/lsp";
import {LlamaServer} from "../test/support/llamaServer";
import {repoRoot} from "../test/support/paths";
import {arg, hasFlag, intArg} from "./cliArgs";
import {CaseResult, completeOnServer, QualityScore, scoreCase, summarize} from "./quality";
import {buildCases, loadSources, MaskedCase, SourceFile} from "./qualityCases";
import {definitionsFor} from "./qualityDefinitions";

/** The prompt budget (the product's default is 1536, protocol/lsp.ts); the baseline gets the same share of it for
 *  the prefix. --prompt-tokens lowers it where CPU time is short (each case is a fresh ~budget-token prefill). */
const PROMPT_TOKENS = intArg("--prompt-tokens", 1536, 64);

interface ServerVariant {
    id: string;
    style: PromptStyle;
    context: boolean;
    /** Also score the raw text of the same generations (postprocessing off). */
    rawToo: boolean;
}

const SERVER_VARIANTS: ServerVariant[] = [
    {id: "gemma-chat+ctx", style: "gemma-chat", context: true, rawToo: true},
    {id: "gemma-chat", style: "gemma-chat", context: false, rawToo: false},
    {id: "continuation+ctx", style: "continuation", context: true, rawToo: true},
    {id: "continuation", style: "continuation", context: false, rawToo: false}
];

interface Row {
    id: string;
    label: string;
    score: QualityScore;
    results: CaseResult[];
}

async function main() {
    const model = arg("--model") ?? fetchRealModel();
    const perFile = hasFlag("--quick") ? 3 : intArg("--per-file", 15, 1);
    const only = arg("--only")?.split(",");
    const outFile = arg("--out") ?? path.join(repoRoot, "bench/.out", `quality-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    const sources = loadSources(repoRoot);
    const cases = buildCases(sources, perFile);
    console.log(`${cases.length} cases from ${sources.length} files, model ${path.basename(model)}, ${os.cpus().length} CPUs`);

    const rows: Row[] = [];
    const started = new Date().toISOString();
    const save = () => {
        const result = {
            date: started, model: path.basename(model), cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
            load: os.loadavg(), promptTokens: PROMPT_TOKENS, cases: cases.length,
            files: sources.map((s) => s.uri.replace(`file://${repoRoot}/`, "")),
            variants: rows.map((r) => ({id: r.id, label: r.label, score: r.score})),
            results: Object.fromEntries(rows.map((r) => [r.id, r.results]))
        };
        fs.mkdirSync(path.dirname(outFile), {recursive: true});
        fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
    };
    const add = (id: string, label: string, completions: {text: string; ms: number}[]) => {
        const results = cases.map((c, i) => scoreCase(c, completions[i].text, completions[i].ms));
        rows.push({id, label, score: summarize(results), results});
        console.log(`  ${label}: EM ${(100 * rows.at(-1)!.score.exactMatch.value).toFixed(1)} %, ES ${rows.at(-1)!.score.editSimilarity.value.toFixed(3)}`);
        save();
    };

    const order = only ?? ["baseline", ...SERVER_VARIANTS.map((v) => v.id)];
    for (const id of order) {
        if (id === "baseline") {
            add("baseline", "llama-server /completion, plain prefix (baseline)", await runBaseline(model, cases));
            continue;
        }
        const v = SERVER_VARIANTS.find((x) => x.id === id);
        if (!v) throw new Error(`unknown variant ${id}: baseline, ${SERVER_VARIANTS.map((x) => x.id).join(", ")}`);
        const completions = await runServerVariant(model, v, cases, sources);
        add(v.id, `${v.style}${v.context ? ", context on" : ", context off"}`, completions.map((c) => ({text: c.shown, ms: c.ms})));
        if (v.rawToo) add(`${v.id}-raw`, `${v.style}, context on, postprocessing off`, completions.map((c) => ({text: c.raw, ms: c.ms})));
    }
    printTable(rows, cases.length);
    console.log(`\nJSON: ${outFile}`);
}

function fetchRealModel(): string {
    return execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8", stdio: ["ignore", "pipe", "inherit"]}).trim();
}

/** A rough token count (≈ 3 characters per token in code) for the baseline's prefix window, which has no tokenizer at hand. */
const approxTokens = (s: string) => Math.ceil(s.length / 3);

async function runBaseline(model: string, cases: MaskedCase[]) {
    const server = await LlamaServer.start({model, contextSize: 4096});
    try {
        const out: {text: string; ms: number}[] = [];
        const onCase = progress("baseline");
        for (const c of cases) {
            const prompt = prefixWindow(c.prefix, Math.floor(PROMPT_TOKENS * 0.6), approxTokens).text;
            const started = performance.now();
            const res = await fetch(`${server.url}/completion`, {method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({prompt, n_predict: c.span === 1 ? 32 : 64, temperature: 0, cache_prompt: true,
                    stop: c.span === 1 ? ["\n"] : []})});
            if (!res.ok) throw new Error(`llama-server /completion: HTTP ${res.status} ${await res.text()}`);
            const body = await res.json() as {content: string};
            out.push({text: body.content, ms: performance.now() - started});
            onCase(out.length, cases.length);
        }
        return out;
    } finally {
        await server.stop();
    }
}

async function runServerVariant(model: string, v: ServerVariant, cases: MaskedCase[], sources: SourceFile[]) {
    const {server} = await ServerProcess.start({serverPath: path.join(repoRoot, "dist/server.js"), cwd: repoRoot, clientName: "bench-quality",
        env: {GEMMA_CODE_TRACE: "1"},
        initializationOptions: {settings: {modelPath: model, completion: {promptStyle: v.style, promptTokens: PROMPT_TOKENS, debounceMs: 0}}}});
    if (hasFlag("--verbose")) server.connection.onNotification("window/logMessage", (m: {message: string}) => console.error(`    [server] ${m.message}`));
    try {
        await server.waitForState((s) => s.status === "ready" || s.status === "error");
        if (server.states.at(-1)?.status !== "ready") throw new Error(`the server did not load ${model}: ${server.states.at(-1)?.message}`);
        const onCase = progress(v.id);
        return await completeOnServer(server, cases, v.context
            ? {openFiles: sources, definitions: (c) => definitionsFor(c, sources), onCase}
            : {onCase});
    } finally {
        await server.shutdown();
    }
}

/** One stderr line every 10 cases: a long run shows that it moves. */
function progress(id: string) {
    const t0 = performance.now();
    return (done: number, total: number) => {
        if (done % 10 === 0 || done === total) {
            process.stderr.write(`    ${id}: ${done}/${total} cases, ${((performance.now() - t0) / done / 1000).toFixed(1)} s/case\n`);
        }
    };
}

function printTable(rows: Row[], n: number) {
    const base = rows.find((r) => r.id === "baseline");
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const head = ["variant", "exact match [95 % CI]", "edit similarity [95 % CI]", "EM ÷ baseline", "ES ÷ baseline", "ms / case"];
    const body = rows.map((r) => {
        const em = r.score.exactMatch, es = r.score.editSimilarity;
        return [r.label, `${pct(em.value)} [${pct(em.low)}, ${pct(em.high)}]`,
            `${es.value.toFixed(3)} [${es.low.toFixed(3)}, ${es.high.toFixed(3)}]`,
            base ? (em.value / Math.max(base.score.exactMatch.value, 1e-9)).toFixed(2) : "-",
            base ? (es.value / Math.max(base.score.editSimilarity.value, 1e-9)).toFixed(2) : "-",
            r.score.msPerCase.toFixed(0)];
    });
    console.log(`\n${n} cases, same model, same run\n`);
    console.log(`| ${head.join(" | ")} |\n|${head.map(() => "---").join("|")}|`);
    for (const b of body) console.log(`| ${b.join(" | ")} |`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
