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
// interleaving all variants), --merge a.json,b.json (prints the table of shards' JSON files together), --resume (a
// piece continues its --out file), --no-baseline, --tag T (ids of a later pass over the same cases), --suffix-stop,
// --sources-only, --kinds block,next-line (only these case kinds; recent edits still replay the fixed order), --rescore
// FILE.json (generate nothing: this build's postprocessing applied to the raw texts FILE saved, rows tagged --tag, for
// comparing postprocessing changes on the same generations; --merge with FILE prints both), and with --merge,
// --kinds scores only those kinds and --base ID picks the row the ratios are against (default: the baseline).
// Prints a table with paired-bootstrap 95 % intervals of each variant's ratio to the baseline, and writes JSON.
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {Token} from "node-llama-cpp";
import {TextDocument} from "vscode-languageserver-textdocument";
import {generate} from "../language-server/engine/local/generator";
import {decideMultiline, postprocessCompletion} from "../language-server/completion/postprocess";
import {prefixWindow, Snippet, textAtCursor} from "../language-server/completion/prompt";
import {withoutControlCharacters} from "../language-server/completion/controlChars";
import {OpenEditorSnippets} from "../language-server/context/openEditors";
import {RecentEdits} from "../language-server/context/recentEdits";
import {flashAttentionFor} from "../language-server/engine/local/flashAttention";
import {loadNodeLlamaCpp} from "../language-server/engine/local/nodeLlamaCpp";
import {LlamaServer} from "../test/support/llamaServer";
import {repoRoot} from "../test/support/paths";
import {arg, intArg} from "./cliArgs";
import {pairedRatio, scoreCase, summarize, CaseResult} from "./quality";
import {buildCases, loadSources, MaskedCase, SourceFile} from "./qualityCases";
import {definitionsFor} from "./qualityDefinitions";
import {cutAtSuffixLine, PROMPT_VARIANTS, SnippetSource} from "./promptVariants";

const PROMPT_TOKENS = intArg("--prompt-tokens", 512, 64);
// One thread: on a 2-core machine shared with other jobs, two threads that wait on each other ran 10x slower.
const THREADS = intArg("--threads", 1, 1);
/** --suffix-stop: also score "the suffix line only as a stop" (derived from the same text, no extra generation). */
const SUFFIX_STOP = process.argv.includes("--suffix-stop");
/** --sources-only: build the prompts and count the context sources in them, generate nothing. */
const SOURCES_ONLY = process.argv.includes("--sources-only");

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

/**
 * The product's three context sources for a case, in server.ts's order: definitions (as a definition provider
 * answers, bench/qualityDefinitions.ts), recent edits (context/recentEdits.ts) and the other open editors that were
 * not edited (context/openEditors.ts). Every other source file of the language is open. Recent edits are replayed
 * as the product would see them: the user has just typed the answers of the RECENT_EDITS cases before this one in
 * the fixed case order (independent of sharding), each a change from the document with the hole to the full text.
 * Those places are unrelated to the case by construction, so this measures what unrelated recent edits cost or
 * bring, not a helpful edit history.
 */
const RECENT_EDITS = 8;
function snippetsFor(c: MaskedCase, history: MaskedCase[], sources: SourceFile[], editors: OpenEditorSnippets):
    {snippets: Snippet[]; source: Map<string, SnippetSource>} {
    const doc = TextDocument.create(`${c.uri}#hole`, c.languageId, 1, c.prefix + c.suffix);
    const open = sources.filter((s) => s.uri !== c.uri).map((s) => TextDocument.create(s.uri, s.languageId, 1, s.text));
    const edits = new RecentEdits();
    for (const p of history) {
        edits.noteChange(TextDocument.create(p.uri, p.languageId, 1, p.prefix + p.suffix));
        edits.noteChange(TextDocument.create(p.uri, p.languageId, 2, sources.find((f) => f.uri === p.uri)!.text));
    }
    const tagged: [SnippetSource, Snippet[]][] = [["definitions", definitionsFor(c, sources)],
        ["recentEdits", edits.snippetsFor(doc, open)],
        ["openEditors", editors.snippetsFor(doc, {line: c.line}, open, edits.editedUris())]];
    const source = new Map<string, SnippetSource>();
    for (const [name, list] of tagged) for (const s of list) if (!source.has(s.text.trim())) source.set(s.text.trim(), name);
    return {snippets: tagged.flatMap(([, list]) => list), source};
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
function merge(files: string[], kinds?: string[]) {
    const parts = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as {results: Record<string, CaseResult[]>;
        variants: {id: string; label: string}[]; load: number[]; cases: number; texts?: Record<string, {texts: string[]}>; contextSources?: Record<string, Record<SnippetSource, number>>});
    const results: Record<string, CaseResult[]> = {};
    const rows = new Map<string, {label: string}>();
    for (const p of parts) {
        for (const v of p.variants) rows.set(v.id, {label: v.label});
        for (const [id, r] of Object.entries(p.results)) (results[id] ??= []).push(...r);
    }
    const texts: Record<string, string[]> = {};
    for (const p of parts) for (const [id, r] of Object.entries(p.texts ?? {})) (texts[id] ??= []).push(...r.texts.slice(0, p.results[id]?.length ?? 0));
    let n = Math.min(...Object.values(results).map((r) => r.length));
    for (const id of Object.keys(results)) results[id] = results[id].slice(0, n);
    // Rows are paired case by case: every file must list the same cases in the same order.
    const first = Object.values(results)[0];
    for (const [id, r] of Object.entries(results)) {
        if (r.some((x, i) => x.id !== first[i].id)) throw new Error(`row ${id} is not over the same cases in the same order`);
    }
    if (kinds) {
        const keep = first.map((x) => kinds.includes(x.kind));
        for (const id of Object.keys(results)) results[id] = results[id].filter((_, i) => keep[i]);
        for (const id of Object.keys(texts)) texts[id] = texts[id].filter((_, i) => keep[i]);
        n = keep.filter(Boolean).length;
        console.log(`kinds ${kinds.join(", ")}: ${n} cases`);
    }
    printTable(rows, results, n, arg("--base") ?? (results.baseline ? "baseline" : "cont/raw"), parts.flatMap((p) => p.load), texts);
    const sources: Record<string, Record<SnippetSource, number>> = {};
    for (const p of parts) {
        for (const [id, c] of Object.entries(p.contextSources ?? {})) {
            const t = sources[id] ??= {definitions: 0, recentEdits: 0, openEditors: 0};
            for (const k of Object.keys(c) as SnippetSource[]) t[k] += c[k];
        }
    }
    printSources(sources, parts.reduce((s, p) => s + (Object.values(p.results)[0]?.length ?? 0), 0));
}

function printSources(sources: Record<string, Record<SnippetSource, number>>, n: number) {
    const withContext = Object.entries(sources).filter(([, c]) => c.definitions + c.recentEdits + c.openEditors > 0);
    if (withContext.length === 0) return;
    console.log(`\nCases (of ${n}) with a snippet of each source in the prompt:`);
    for (const [id, c] of withContext) console.log(`  ${id}: definitions ${c.definitions}, recent edits ${c.recentEdits}, open editors ${c.openEditors}`);
}

async function main() {
    const toMerge = arg("--merge");
    const kinds = arg("--kinds")?.split(",");
    if (toMerge) return merge(toMerge.split(","), kinds);
    const toRescore = arg("--rescore");
    if (toRescore) return rescore(toRescore);
    const model = arg("--model") ?? fetchRealModel();
    const sources = loadSources(repoRoot);
    const shard = arg("--shard")?.split("/").map(Number);
    // A fixed shuffle: a run stopped early has still scored cases from every file and kind.
    const all = shuffled(buildCases(sources, intArg("--per-file", 6, 1)));
    const picked = all.map((c, g) => ({c, g})).filter(({c}) => !kinds || kinds.includes(c.kind))
        .filter(({g}) => !shard || g % shard[1] === shard[0]);
    const cases = picked.map(({c}) => c);
    const historyOf = (i: number) => all.slice(Math.max(0, picked[i].g - RECENT_EDITS), picked[i].g);
    const only = arg("--only")?.split(",");
    const variants = only ? PROMPT_VARIANTS.filter((v) => only.includes(v.id)) : PROMPT_VARIANTS;
    const outFile = arg("--out") ?? path.join(repoRoot, "bench/.out", `variants-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({gpu: false, maxThreads: THREADS, build: "never", logLevel: "warn" as never});
    const m = await llama.loadModel({modelPath: model});
    const context = await m.createContext({contextSize: 4096, sequences: 1, threads: THREADS, flashAttention: flashAttentionFor(m), swaFullCache: true});
    const sequence = context.getSequence();
    const count = (s: string) => m.tokenize(s, false).length;
    const tokensOf = (parts: {text: string; special: boolean}[]): Token[] =>
        [...(m.tokens.bos != null ? [m.tokens.bos] : []), ...parts.flatMap((p) => m.tokenize(p.text, p.special))];

    const bin = process.argv.includes("--no-baseline") ? undefined : cachedLlamaServer();
    if (bin) process.env.LLAMA_SERVER_BIN = bin;
    const server = bin && !SOURCES_ONLY ? await LlamaServer.start({model, contextSize: 4096, args: ["--threads", String(THREADS)]}) : undefined;
    // A piece stopped by `timeout` (runs are split to release the bench lock) takes its llama-server with it.
    process.once("SIGTERM", () => void (server?.stop() ?? Promise.resolve()).then(() => process.exit(143)));
    console.log(`${cases.length} cases, model ${path.basename(model)}, prompt budget ${PROMPT_TOKENS}, ${THREADS} threads, `
        + `load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}, baseline: ${server ? "llama-server" : "none (no llama-server in the cache)"}`);

    const editors = new OpenEditorSnippets();
    // Row id → one completion text and time per case.
    const rows = new Map<string, {label: string; texts: string[]; ms: number[]}>();
    // --tag T: row ids and labels get " (T)", so a later pass over the same cases merges beside an earlier one.
    const tag = arg("--tag");
    const put = (rowId: string, rowLabel: string, i: number, text: string, ms: number) => {
        const [id, label] = tag ? [`${rowId}@${tag}`, `${rowLabel} (${tag})`] : [rowId, rowLabel];
        if (!rows.has(id)) rows.set(id, {label, texts: [], ms: []});
        rows.get(id)!.texts[i] = text;
        rows.get(id)!.ms[i] = ms;
    };
    const loadSamples: number[] = [];
    const t0 = performance.now();
    // Greedy decoding is deterministic: two variants that build the same prompt (e.g. context on when no snippet
    // fits) get the same text, so it is generated once and its measured time counted for both.
    const generated = new Map<string, {text: string; ms: number}>();
    // Per variant, how many cases had a snippet of each source in the prompt (each source is really exercised).
    const used = new Map<string, Record<SnippetSource, number>>();
    const runners: {id: string; run: (c: MaskedCase, i: number) => Promise<void>}[] = variants.map((v) => ({id: v.id, run: async (c, i) => {
        const ctx = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId};
        const multiline = decideMultiline(ctx);
        const context = v.context ? snippetsFor(c, historyOf(i), sources, editors) : {snippets: [], source: new Map<string, SnippetSource>()};
        if (v.sources) context.snippets = context.snippets.filter((s) => v.sources!.includes(context.source.get(s.text.trim())!));
        const input = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId, fileName: c.uri.split("/").pop()!,
            snippets: context.snippets};
        const prompt = v.build(input, PROMPT_TOKENS, count);
        const usedId = tag ? `${v.id}@${tag}` : v.id;
        const counts = used.get(usedId) ?? {definitions: 0, recentEdits: 0, openEditors: 0};
        used.set(usedId, counts);
        for (const name of new Set(prompt.snippets.map((s) => context.source.get(s.text.trim())!))) counts[name]++;
        if (SOURCES_ONLY) return;
        const tokens = tokensOf(prompt.parts);
        const options = {maxTokens: multiline ? 64 : 48, stops: prompt.stops, singleLine: !multiline};
        const key = JSON.stringify([tokens, options]);
        let done = generated.get(key);
        if (!done) {
            const started = performance.now();
            const result = await generate(sequence, tokens, {...options, signal: new AbortController().signal});
            done = {text: result.text.replace(/\uFFFD/g, ""), ms: performance.now() - started};
            generated.set(key, done);
        }
        // As completionService.ts: the model's text from the cursor (without blanks the prompt left out, which it wrote again).
        const raw = textAtCursor(done.text, prompt);
        const shown = (t: string) => withoutControlCharacters(postprocessCompletion(t, ctx, {multiline}) ?? "");
        put(v.id, v.label, i, shown(raw), done.ms);
        put(`${v.id}/raw`, `${v.label}, postprocessing off`, i, raw, done.ms);
        if (SUFFIX_STOP) put(`${v.id}/sstop`, `${v.label}, suffix line as a stop`, i, shown(cutAtSuffixLine(raw, c.suffix)), done.ms);
    }}));
    if (server) {
        runners.unshift({id: "baseline", run: async (c, i) => {
            // The same prefix window as our prompts (60 % of the budget, counted in the model's tokens).
            const prompt = prefixWindow(c.prefix, Math.floor(PROMPT_TOKENS * 0.6), count).text;
            const started = performance.now();
            const res = await fetch(`${server.url}/completion`, {method: "POST", headers: {"content-type": "application/json"},
                body: JSON.stringify({prompt, n_predict: 64, temperature: 0, cache_prompt: true})});
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
            threads: THREADS, cpus: os.cpus().length, load: loadSamples, cases: cases.length, variants: variantsOut,
            contextSources: Object.fromEntries(used), texts: Object.fromEntries(rows), results}, null, 2));
        return results;
    };

    try {
        // --resume: a shard stopped early (runs are split to release the bench lock) continues from its JSON (--out):
        // greedy results are deterministic, so the cases it has scored are kept as they are.
        let from = 0;
        if (process.argv.includes("--resume") && fs.existsSync(outFile)) {
            const before = JSON.parse(fs.readFileSync(outFile, "utf8")) as {texts: Record<string, {label: string; texts: string[]; ms: number[]}>;
                contextSources: Record<string, Record<SnippetSource, number>>; load: number[]; cases: number};
            if (before.cases !== cases.length) throw new Error(`${outFile} is from another case set`);
            // Only the rows of the variants asked for now (a resumed run may measure fewer).
            const ids = new Set(runners.map((r) => r.id));
            const kept = Object.entries(before.texts).filter(([id]) => ids.has(id.split("/")[0].split("@")[0]));
            from = [...ids].every((id) => (tag ? `${id}@${tag}` : id) in before.texts) ? Math.min(...kept.map(([, r]) => r.texts.length)) : 0;
            for (const [id, r] of kept) rows.set(id, {label: r.label, texts: r.texts.slice(0, from), ms: r.ms.slice(0, from)});
            for (const [id, c] of Object.entries(before.contextSources)) if (ids.has(id.split("@")[0])) used.set(id, c);
            loadSamples.push(...before.load.slice(0, from));
            process.stderr.write(`  resuming after ${from} cases\n`);
        }
        for (const [i, c] of cases.entries()) {
            if (i < from) continue;
            // Rotate the order, so no variant always runs first (or right after the baseline's cheap prefill).
            for (let k = 0; k < runners.length; k++) await runners[(i + k) % runners.length].run(c, i);
            loadSamples.push(os.loadavg()[0]);
            if ((i + 1) % 5 === 0 || i + 1 === cases.length) {
                save();
                process.stderr.write(`  ${i + 1}/${cases.length} cases, ${((performance.now() - t0) / (i + 1 - from) / 1000).toFixed(1)} s/case, load ${os.loadavg()[0].toFixed(1)}\n`);
            }
        }
    } finally {
        await server?.stop();
    }
    if (SOURCES_ONLY) return printSources(Object.fromEntries(used), cases.length);
    const results = save();
    printTable(rows, results, cases.length, server ? "baseline" : "cont/raw", loadSamples,
        Object.fromEntries([...rows].map(([id, r]) => [id, r.texts])));
    printSources(Object.fromEntries(used), cases.length);
    console.log(`\nJSON: ${outFile}`);
    await context.dispose();
    await m.dispose();
}

/**
 * --rescore FILE.json: this build's postprocessing applied to the raw texts (rows `<id>/raw`) of an earlier run, as
 * rows `<id>@<tag>`, written to --out. Generation is greedy and the postprocessing runs after it (completionService.ts
 * does the same), so a row here is what this build would have shown for the same generations: a postprocessing
 * change compared on identical model output, paired case by case (times are the generation's).
 */
function rescore(file: string) {
    const before = JSON.parse(fs.readFileSync(file, "utf8")) as {texts: Record<string, {label: string; texts: string[]; ms: number[]}>;
        results: Record<string, CaseResult[]>; load: number[]; cases: number; model: string; promptTokens: number; threads: number; cpus: number};
    const tag = arg("--tag") ?? "rescored";
    const only = arg("--only")?.split(",");
    const byId = new Map(buildCases(loadSources(repoRoot), intArg("--per-file", 6, 1)).map((c) => [c.id, c]));
    const results: Record<string, CaseResult[]> = {};
    const texts: Record<string, {label: string; texts: string[]; ms: number[]}> = {};
    const variantsOut: {id: string; label: string; score: ReturnType<typeof summarize>}[] = [];
    for (const [rawId, r] of Object.entries(before.texts)) {
        if (!rawId.endsWith("/raw") || (only && !only.includes(rawId.slice(0, -4)))) continue;
        const id = `${rawId.slice(0, -4)}@${tag}`;
        const label = `${r.label.replace(/, postprocessing off$/, "")} (${tag})`;
        const cases = before.results[rawId].map((x) => {
            const c = byId.get(x.id);
            if (!c) throw new Error(`case ${x.id} of ${file} is not in this case set (--per-file?)`);
            return c;
        });
        const shown = cases.map((c, i) => {
            const ctx = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId};
            return withoutControlCharacters(postprocessCompletion(r.texts[i], ctx, {multiline: decideMultiline(ctx)}) ?? "");
        });
        texts[id] = {label, texts: shown, ms: r.ms};
        results[id] = cases.map((c, i) => scoreCase(c, shown[i], r.ms[i]));
        variantsOut.push({id, label, score: summarize(results[id])});
        const old = before.texts[rawId.slice(0, -4)]?.texts;
        if (old) console.log(`${id}: ${shown.filter((t, i) => t !== old[i]).length} of ${shown.length} suggestions differ from ${rawId.slice(0, -4)}`);
    }
    const outFile = arg("--out") ?? file.replace(/\.json$/, `-${tag}.json`);
    fs.writeFileSync(outFile, JSON.stringify({...before, date: new Date().toISOString(), rescoredFrom: file, variants: variantsOut,
        contextSources: {}, texts, results}, null, 2));
    console.log(`JSON: ${outFile}`);
}

/**
 * `texts`: each row's whole completion per case, for "lines past the answer": how many lines the user is shown beyond
 * the answer's (scoring cuts every completion to the answer's line count, so it cannot see what postprocessing removes
 * after them).
 */
function printTable(rows: Map<string, {label: string}>, results: Record<string, CaseResult[]>, n: number, baseId: string, load: number[],
                    texts: Record<string, string[]> = {}) {
    if (!results[baseId]) baseId = [...rows.keys()][0];
    const base = results[baseId];
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    const sorted = [...rows.keys()].sort((a, b) => summarize(results[b]).editSimilarity.value - summarize(results[a]).editSimilarity.value);
    console.log(`\n${n} cases, same model, interleaved in one run; load ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}; `
        + `ratios against "${rows.get(baseId)?.label}" with paired-bootstrap 95 % intervals\n`);
    console.log("| variant | EM [95 % CI] | ES [95 % CI] | ES ÷ baseline [95 % CI] | EM − baseline, points [95 % CI] | lines past the answer | ms / case |\n"
        + "|---|---|---|---|---|---|---|");
    for (const id of sorted) {
        const r = results[id], s = summarize(r);
        const ratio = pairedRatio(r.map((x) => x.similarity), base.map((x) => x.similarity));
        const diff = pairedRatio(r.map((x) => Number(x.exact)), base.map((x) => Number(x.exact)), "difference");
        const whole = texts[id];
        const past = whole ? r.reduce((sum, x, i) => sum + Math.max(0, (whole[i] ?? "").trimEnd().split("\n").length - x.expected.split("\n").length), 0) / r.length : NaN;
        console.log(`| ${rows.get(id)!.label} | ${pct(s.exactMatch.value)} [${pct(s.exactMatch.low)}, ${pct(s.exactMatch.high)}] | `
            + `${s.editSimilarity.value.toFixed(3)} [${s.editSimilarity.low.toFixed(3)}, ${s.editSimilarity.high.toFixed(3)}] | `
            + `${ratio.value.toFixed(2)} [${ratio.low.toFixed(2)}, ${ratio.high.toFixed(2)}] | `
            + `${(100 * diff.value).toFixed(1)} [${(100 * diff.low).toFixed(1)}, ${(100 * diff.high).toFixed(1)}] | `
            + `${Number.isNaN(past) ? "" : past.toFixed(2)} | ${s.msPerCase.toFixed(0)} |`);
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
