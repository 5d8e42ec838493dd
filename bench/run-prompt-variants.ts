// `node out/bench/run-prompt-variants.js`: which prompt layout completes best on a given model, measured on the
// quality benchmark's masked cases (bench/qualityCases.ts). Every variant of bench/promptVariants.ts runs on the
// same model in this process through the product's own generator (completion/generator.ts: greedy, the same
// stops and single-line rule, the same token budgets as completionService.ts), with the product's postprocessing
// on and off, and "the suffix only as a stop" derived from the same greedy text. Variants are INTERLEAVED: each
// case runs every variant (in an order that rotates from case to case) before the next case starts, so load
// changes on a shared machine hit all variants alike. The baseline (llama-server /completion, plain prefix) runs
// in the same loop when a built llama-server is in the cache (it is never built from here).
// Options: --model FILE, --per-file N (default 6), --prompt-tokens N (default 512), --only a,b, --out FILE,
// --threads N (default 1), --shard K/N (every Nth case from the Kth: shards run as parallel processes, each
// interleaving all variants), --merge a.json,b.json (prints the table of shards' JSON files together).
// Prints a table with paired-bootstrap 95 % intervals of each variant's ratio to the baseline, and writes JSON.
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {Token} from "node-llama-cpp";
import {TextDocument} from "vscode-languageserver-textdocument";
import {generate} from "../language-server/engine/local/generator";
import {decideMultiline, postprocessCompletion} from "../language-server/completion/postprocess";
import {prefixWindow, Snippet} from "../language-server/completion/prompt";
import {withoutControlCharacters} from "../language-server/completion/controlChars";
import {OpenEditorSnippets} from "../language-server/context/openEditors";
import {loadNodeLlamaCpp} from "../language-server/engine/local/nodeLlamaCpp";
import {LlamaServer} from "../test/support/llamaServer";
import {repoRoot} from "../test/support/paths";
import {arg, intArg} from "./cliArgs";
import {pairedRatio, scoreCase, summarize, CaseResult} from "./quality";
import {buildCases, loadSources, MaskedCase, SourceFile} from "./qualityCases";
import {definitionsFor} from "./qualityDefinitions";
import {cutAtSuffixLine, PROMPT_VARIANTS} from "./promptVariants";

const PROMPT_TOKENS = intArg("--prompt-tokens", 512, 64);
// One thread: on a 2-core machine shared with other jobs, two threads that wait on each other ran 10x slower.
const THREADS = intArg("--threads", 1, 1);

function fetchRealModel(): string {
    return execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8", stdio: ["ignore", "pipe", "inherit"]}).trim();
}

/** A llama-server already built into the cache (this benchmark never starts a build). */
function cachedLlamaServer(): string | undefined {
    if (process.env.LLAMA_SERVER_BIN) return process.env.LLAMA_SERVER_BIN;
    const cache = process.env.GEMMA_CODE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "gemma-code");
    if (!fs.existsSync(cache)) return undefined;
    for (const d of fs.readdirSync(cache)) {
        const bin = path.join(cache, d, "bin/llama-server");
        if (d.startsWith("llama-server-") && fs.existsSync(bin)) return bin;
    }
    return undefined;
}

/** The product's context sources for a case: definitions (as a definition provider answers) + other open editors. */
function snippetsFor(c: MaskedCase, sources: SourceFile[], editors: OpenEditorSnippets): Snippet[] {
    const doc = TextDocument.create(`${c.uri}#hole`, c.languageId, 1, c.prefix + c.suffix);
    const open = sources.filter((s) => s.languageId === c.languageId && s.uri !== c.uri)
        .map((s) => TextDocument.create(s.uri, s.languageId, 1, s.text));
    return [...definitionsFor(c, sources), ...editors.snippetsFor(doc, {line: c.line}, open, new Set())];
}

function shuffled<T>(items: T[]): T[] {
    const out = [...items];
    let seed = 12345;
    for (let i = out.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}

/** Prints the table of several shards' JSON files (cases concatenated, per row). */
function merge(files: string[]) {
    const parts = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as {results: Record<string, CaseResult[]>;
        variants: {id: string; label: string}[]; load: number[]});
    const results: Record<string, CaseResult[]> = {};
    const rows = new Map<string, {label: string}>();
    for (const p of parts) {
        for (const v of p.variants) rows.set(v.id, {label: v.label});
        for (const [id, r] of Object.entries(p.results)) (results[id] ??= []).push(...r);
    }
    const n = Math.min(...Object.values(results).map((r) => r.length));
    for (const id of Object.keys(results)) results[id] = results[id].slice(0, n);
    printTable(rows, results, n, results.baseline ? "baseline" : "cont/raw", parts.flatMap((p) => p.load));
}

async function main() {
    const toMerge = arg("--merge");
    if (toMerge) return merge(toMerge.split(","));
    const model = arg("--model") ?? fetchRealModel();
    const sources = loadSources(repoRoot);
    const shard = arg("--shard")?.split("/").map(Number);
    // A fixed shuffle: a run stopped early has still scored cases from every file and kind.
    const cases = shuffled(buildCases(sources, intArg("--per-file", 6, 1))).filter((_, i) => !shard || i % shard[1] === shard[0]);
    const only = arg("--only")?.split(",");
    const variants = only ? PROMPT_VARIANTS.filter((v) => only.includes(v.id)) : PROMPT_VARIANTS;
    const outFile = arg("--out") ?? path.join(repoRoot, "bench/.out", `variants-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({gpu: false, maxThreads: THREADS, build: "never", logLevel: "warn" as never});
    const m = await llama.loadModel({modelPath: model});
    const context = await m.createContext({contextSize: 4096, sequences: 1, threads: THREADS, flashAttention: true, swaFullCache: true});
    const sequence = context.getSequence();
    const count = (s: string) => m.tokenize(s, false).length;
    const tokensOf = (parts: {text: string; special: boolean}[]): Token[] =>
        [...(m.tokens.bos != null ? [m.tokens.bos] : []), ...parts.flatMap((p) => m.tokenize(p.text, p.special))];

    const bin = cachedLlamaServer();
    if (bin) process.env.LLAMA_SERVER_BIN = bin;
    const server = bin ? await LlamaServer.start({model, contextSize: 4096}) : undefined;
    console.log(`${cases.length} cases, model ${path.basename(model)}, prompt budget ${PROMPT_TOKENS}, ${THREADS} threads, `
        + `load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, baseline: ${server ? "llama-server" : "none (no llama-server in the cache)"}`);

    const editors = new OpenEditorSnippets();
    // Row id → one completion text and time per case.
    const rows = new Map<string, {label: string; texts: string[]; ms: number[]}>();
    const put = (id: string, label: string, i: number, text: string, ms: number) => {
        if (!rows.has(id)) rows.set(id, {label, texts: [], ms: []});
        rows.get(id)!.texts[i] = text;
        rows.get(id)!.ms[i] = ms;
    };
    const loadSamples: number[] = [];
    const t0 = performance.now();
    const runners: {id: string; run: (c: MaskedCase, i: number) => Promise<void>}[] = variants.map((v) => ({id: v.id, run: async (c, i) => {
        const ctx = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId};
        const multiline = decideMultiline(ctx);
        const input = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId, fileName: c.uri.split("/").pop()!,
            snippets: v.context ? snippetsFor(c, sources, editors) : []};
        const prompt = v.build(input, PROMPT_TOKENS, count);
        const started = performance.now();
        const result = await generate(sequence, tokensOf(prompt.parts), {maxTokens: multiline ? 64 : 48,
            signal: new AbortController().signal, stops: prompt.stops, singleLine: !multiline});
        const ms = performance.now() - started;
        const raw = result.text.replace(/\uFFFD/g, "");
        const shown = (t: string) => withoutControlCharacters(postprocessCompletion(t, ctx, {multiline}) ?? "");
        put(v.id, v.label, i, shown(raw), ms);
        put(`${v.id}/raw`, `${v.label}, postprocessing off`, i, raw, ms);
        put(`${v.id}/sstop`, `${v.label}, suffix line as a stop`, i, shown(cutAtSuffixLine(raw, c.suffix)), ms);
    }}));
    if (server) {
        runners.unshift({id: "baseline", run: async (c, i) => {
            const prompt = prefixWindow(c.prefix, Math.floor(PROMPT_TOKENS * 0.6), (s) => Math.ceil(s.length / 3)).text;
            const started = performance.now();
            const res = await fetch(`${server.url}/completion`, {method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({prompt, n_predict: c.span === 1 ? 32 : 64, temperature: 0, cache_prompt: true, stop: c.span === 1 ? ["\n"] : []})});
            if (!res.ok) throw new Error(`llama-server /completion: HTTP ${res.status}`);
            put("baseline", "llama-server /completion, plain prefix (baseline)", i, ((await res.json()) as {content: string}).content, performance.now() - started);
        }});
    }

    const save = () => {
        const results: Record<string, CaseResult[]> = {};
        const variantsOut = [...rows].map(([id, r]) => {
            const done = r.texts.length;
            results[id] = cases.slice(0, done).map((c, i) => scoreCase(c, r.texts[i] ?? "", r.ms[i] ?? 0));
            return {id, label: r.label, score: summarize(results[id])};
        });
        fs.mkdirSync(path.dirname(outFile), {recursive: true});
        fs.writeFileSync(outFile, JSON.stringify({date: new Date().toISOString(), model: path.basename(model), promptTokens: PROMPT_TOKENS,
            threads: THREADS, cpus: os.cpus().length, load: loadSamples, cases: cases.length, variants: variantsOut, results}, null, 2));
        return results;
    };

    try {
        for (const [i, c] of cases.entries()) {
            // Rotate the order, so no variant always runs first (or right after the baseline's cheap prefill).
            for (let k = 0; k < runners.length; k++) await runners[(i + k) % runners.length].run(c, i);
            loadSamples.push(os.loadavg()[0]);
            if ((i + 1) % 5 === 0 || i + 1 === cases.length) {
                save();
                process.stderr.write(`  ${i + 1}/${cases.length} cases, ${((performance.now() - t0) / (i + 1) / 1000).toFixed(1)} s/case, load ${os.loadavg()[0].toFixed(1)}\n`);
            }
        }
    } finally {
        await server?.stop();
    }
    const results = save();
    printTable(rows, results, cases.length, server ? "baseline" : "cont/raw", loadSamples);
    console.log(`\nJSON: ${outFile}`);
    await context.dispose();
    await m.dispose();
}

function printTable(rows: Map<string, {label: string}>, results: Record<string, CaseResult[]>, n: number, baseId: string, load: number[]) {
    const base = results[baseId];
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const sorted = [...rows.keys()].sort((a, b) => summarize(results[b]).editSimilarity.value - summarize(results[a]).editSimilarity.value);
    console.log(`\n${n} cases, same model, interleaved in one run; load ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}; `
        + `ratios against "${rows.get(baseId)?.label}" with paired-bootstrap 95 % intervals\n`);
    console.log("| variant | EM | ES [95 % CI] | ES ÷ baseline [95 % CI] | EM − baseline [95 % CI] | shown | ms / case |\n|---|---|---|---|---|---|---|");
    for (const id of sorted) {
        const r = results[id], s = summarize(r);
        const ratio = pairedRatio(r.map((x) => x.similarity), base.map((x) => x.similarity));
        const diff = pairedRatio(r.map((x) => Number(x.exact)), base.map((x) => Number(x.exact)), "difference");
        console.log(`| ${rows.get(id)!.label} | ${pct(s.exactMatch.value)} | ${s.editSimilarity.value.toFixed(3)} [${s.editSimilarity.low.toFixed(3)}, `
            + `${s.editSimilarity.high.toFixed(3)}] | ${ratio.value.toFixed(2)} [${ratio.low.toFixed(2)}, ${ratio.high.toFixed(2)}] | `
            + `${(100 * diff.value).toFixed(1)} [${(100 * diff.low).toFixed(1)}, ${(100 * diff.high).toFixed(1)}] | `
            + `${r.filter((x) => x.actual.length > 0).length}/${r.length} | ${s.msPerCase.toFixed(0)} |`);
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
