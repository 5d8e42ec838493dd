// What speculative decoding costs, measured with node-llama-cpp directly, and what it would gain at a given
// acceptance rate (synthetic weights cannot show a real one):
//   node out/bench/speculative.js --model VERIFIER.gguf --draft DRAFT.gguf [--gpu auto|cuda|cpu] [--threads N]
//        [--prompt-tokens 2048] [--quick] [--e2e-drafts draft,self] [--e2e-k 4] [--out FILE]
//
// On one context state (a ~2k-token code prompt evaluated, its last token pending), medians of repeated runs:
//   T     the verifier's cost per generated token, sequential greedy decoding (the completion path without a draft);
//   V(k)  the verifier's cost of evaluating its pending token plus k drafted ones in one batch, sampling every position
//         (what checking a draft costs), k = 1, 2, 4, 8, 16;
//   D     the draft's cost per token, sequential decoding with the token's probability (what the drafter runs).
// Expected speedup at acceptance rate a (each draft token accepted independently with probability a) when drafting
// k tokens and checking them: tokens per step E = (1 - a^(k+1)) / (1 - a), time per step k·D + V(k),
// speedup = E·T / (k·D + V(k)). Printed per a with the best k; everything is in the JSON. (After a draft accepted
// whole, the drafter evaluates its last token together with the next pending one: a batch of two, likely ~D on a GPU,
// ~2·D on a CPU running the tiny model, where the formula then reads high by about one D per step.)
//
// Then end to end, as a check of the formula: tokens/s of the same greedy generation without and with a draft
// (minConfidence 0: random weights are never confident), for each draft in --e2e-drafts: "draft" (--draft) and "self"
// (the verifier drafting for itself: acceptance ~1, D = T). Loops: the server's (engine/local/generator.ts speculate()
// with engine/local/drafter.ts) drafting exactly --e2e-k tokens a step, the formula's model; for comparison node-llama-cpp's
// DraftSequenceTokenPredictor on the sequence with the same draft length, and with its defaults (background drafting).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token} from "node-llama-cpp";
import {speculate} from "../language-server/engine/local/generator";
import {Drafter} from "../language-server/engine/local/drafter";
import {arg, hasFlag, intArg, median} from "./cliArgs";
import {CORPUS_FILES} from "./corpus";

const root = path.resolve(__dirname, "../..");
const quick = hasFlag("--quick");
const modelPath = path.resolve(arg("--model") ?? process.env.GEMMA_CODE_MODEL ?? path.join(root, "test/.models/tiny-gemma2.gguf"));
const draftPath = path.resolve(arg("--draft") ?? modelPath);
const gpu = (arg("--gpu") ?? "auto") as "auto" | "cuda" | "cpu";
const threads = intArg("--threads", 0) || os.availableParallelism();
const promptTokens = intArg("--prompt-tokens", 2048);
const e2eK = intArg("--e2e-k", 4);
const e2eDrafts = (arg("--e2e-drafts") ?? "draft,self").split(",").filter(Boolean);
const outFile = arg("--out") ?? path.join(root, "bench/.out", `speculative-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

const KS = [1, 2, 4, 8, 16];
const ACCEPTANCE = [0.3, 0.5, 0.6, 0.7, 0.8, 0.9];
const REPS = quick ? 3 : 7;
/** Tokens per sequential-decode measurement; the first (which evaluates the pending prompt token) is not counted. */
const DECODE_TOKENS = quick ? 17 : 33;
const E2E_TOKENS = quick ? 48 : 128;
const E2E_REPS = quick ? 1 : 3;

/** Expected tokens per draft-and-check step when each draft token is accepted with probability a. */
function tokensPerStep(a: number, k: number) {
    return a >= 1 ? k + 1 : (1 - a ** (k + 1)) / (1 - a);
}
function expectedSpeedup(a: number, k: number, c: {T: number; D: number; V: Record<number, number>}) {
    return tokensPerStep(a, k) * c.T / (k * c.D + c.V[k]);
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** Real code (the benchmark corpus, from node_modules) tokenized to exactly `count` tokens, <bos> first. */
function promptFor(model: LlamaModel, count: number): Token[] {
    let text = CORPUS_FILES.map(({file}) => path.join(root, file)).filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f, "utf8")).join("\n");
    if (!text) throw new Error(`no corpus file under ${root}/node_modules (see bench/corpus.ts)`);
    const bos = model.tokens.bos;
    let tokens = model.tokenize(text, false);
    while (tokens.length < count) {
        text += "\n" + text;
        tokens = model.tokenize(text, false);
    }
    return [...(bos != null ? [bos] : []), ...tokens].slice(0, count);
}

/** Drops everything after the first `length` tokens (the measurements all start from the same state). */
async function truncate(sequence: LlamaContextSequence, length: number) {
    if (sequence.nextTokenIndex > length) await sequence.eraseContextTokenRanges([{start: length, end: sequence.nextTokenIndex}]);
}

/**
 * Greedy decoding of `count` tokens from the pending token; ms per token between the first and the last one (each is one
 * single-token evaluation). `confidence`: also compute the chosen token's probability, as the draft predictor does.
 */
async function decodeMs(sequence: LlamaContextSequence, pending: Token, count: number, confidence = false) {
    const base = sequence.nextTokenIndex;
    const tokens: Token[] = [];
    let first = 0;
    for await (const out of sequence.evaluateWithMetadata([pending], {confidence}, {temperature: 0})) {
        tokens.push(out.token);
        if (tokens.length === 1) first = performance.now();
        if (tokens.length >= count) break;
    }
    const ms = (performance.now() - first) / (tokens.length - 1);
    await truncate(sequence, base);
    return {ms, tokens};
}

/** One batch: the pending token and k drafted ones, a sampled token at every position (checking a draft). */
async function batchMs(sequence: LlamaContextSequence, pending: Token, draft: Token[]) {
    const base = sequence.nextTokenIndex;
    const started = performance.now();
    await sequence.controlledEvaluate([pending, ...draft].map((t) => [t, {generateNext: {token: true, options: {temperature: 0}}}]));
    const ms = performance.now() - started;
    await truncate(sequence, base);
    return ms;
}

interface Costs {T: number; D: number; V: Record<number, number>}

async function loadModel(llama: Llama, file: string) {
    const model = await llama.loadModel({modelPath: file, gpuLayers: llama.gpu ? "max" : 0});
    return model;
}

async function measureCosts(llama: Llama, verifier: LlamaModel, draft: LlamaModel, prompt: Token[]) {
    const contextSize = prompt.length + 256;
    const options = {contextSize, sequences: 1, flashAttention: true, swaFullCache: true} as const;
    const vctx = await verifier.createContext(options);
    const dctx = await draft.createContext(options);
    try {
        const v = vctx.getSequence(), d = dctx.getSequence();
        const pending = prompt.at(-1)!;
        const state = prompt.slice(0, -1);
        const prefillStarted = performance.now();
        await v.evaluateWithoutGeneratingNewTokens(state);
        const prefillMs = performance.now() - prefillStarted;
        await d.evaluateWithoutGeneratingNewTokens(state);

        // Warm-up (first kernels, graph allocations for each batch size), then the measured runs, interleaved so that
        // a slow moment of the machine spreads over all of them.
        const {tokens: continuation} = await decodeMs(v, pending, Math.max(DECODE_TOKENS, Math.max(...KS) + 1));
        await decodeMs(d, pending, 4, true);
        for (const k of KS) await batchMs(v, pending, continuation.slice(0, k));
        const t: number[] = [], dd: number[] = [], vv: Record<number, number[]> = Object.fromEntries(KS.map((k) => [k, []]));
        for (let r = 0; r < REPS; r++) {
            t.push((await decodeMs(v, pending, DECODE_TOKENS)).ms);
            dd.push((await decodeMs(d, pending, DECODE_TOKENS, true)).ms);
            for (const k of KS) vv[k].push(await batchMs(v, pending, continuation.slice(0, k)));
        }
        const costs: Costs = {T: median(t), D: median(dd), V: Object.fromEntries(KS.map((k) => [k, median(vv[k])]))};
        return {costs, prefillMs, contextSize, samples: {T: t, D: dd, V: vv}};
    } finally {
        await vctx.dispose();
        await dctx.dispose();
    }
}

interface E2eRun {
    draft: "draft" | "self";
    /** "server k=N": the server's predictor, N tokens a step; "nlc k=N", "nlc default": node-llama-cpp's. */
    mode: string;
    tokensPerSecondWithout: number;
    tokensPerSecondWith: number;
    measuredSpeedup: number;
    validated: number;
    refuted: number;
    used: number;
    acceptance: number;
    /** The formula at the measured acceptance and k = N (null for "nlc default", whose draft length varies). */
    formulaSpeedup: number | null;
    sameTokens: boolean;
}

/**
 * Greedy generation of E2E_TOKENS after the prompt, with sequence.evaluate() (plain, or node-llama-cpp's predictor when
 * the sequence has one) or with the server's speculate() when a drafter is given; tokens/s from the first token on.
 */
async function generate(sequence: LlamaContextSequence, prompt: Token[], drafter?: Drafter) {
    await sequence.clearHistory();
    await Promise.all([sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1)), drafter?.align(prompt.slice(0, -1))]);
    const tokens: Token[] = [];
    let first = 0;
    const take = (token: Token) => {
        tokens.push(token);
        if (tokens.length === 1) first = performance.now();
        return tokens.length >= E2E_TOKENS ? "last" as const : "more" as const;
    };
    let stats = {validated: 0, refuted: 0, used: 0};
    if (drafter) {
        stats = await speculate(sequence, drafter, prompt.at(-1)!, take, () => E2E_TOKENS - tokens.length);
    } else {
        for await (const token of sequence.evaluate(prompt.slice(-1), {temperature: 0})) if (take(token) === "last") break;
    }
    return {tokens, tokensPerSecond: (tokens.length - 1) / ((performance.now() - first) / 1000), stats};
}

async function endToEnd(llama: Llama, verifier: LlamaModel, draftModel: LlamaModel, which: "draft" | "self", prompt: Token[],
                        costs: Costs & {Dself: number}): Promise<E2eRun[]> {
    const {DraftSequenceTokenPredictor} = await import("node-llama-cpp");
    const contextSize = prompt.length + E2E_TOKENS + 64;
    const options = {contextSize, sequences: 1, flashAttention: true, swaFullCache: true} as const;
    /** The sequence to generate on and, for the server's loop, its drafter. */
    type Setup = (v: LlamaContext, d: LlamaContext) => {sequence: LlamaContextSequence; drafter?: Drafter};
    const modes: {mode: string; k: number | null; setup: Setup}[] = [
        {mode: `server k=${e2eK}`, k: e2eK,
            setup: (v, d) => ({sequence: v.getSequence(), drafter: new Drafter(d.getSequence(), {maxTokens: e2eK, minConfidence: 0})})},
        {mode: `nlc k=${e2eK}`, k: e2eK, setup: (v, d) => ({sequence: v.getSequence({tokenPredictor:
            new DraftSequenceTokenPredictor(d.getSequence(), {minTokens: e2eK, maxTokens: e2eK, minConfidence: 0})})})},
        {mode: "nlc default", k: null, setup: (v, d) => ({sequence: v.getSequence({tokenPredictor:
            new DraftSequenceTokenPredictor(d.getSequence(), {minConfidence: 0})})})}
    ];
    // All contexts first, then the runs interleaved (plain, each mode, plain, …): a slow moment of a shared machine
    // then hits every variant alike instead of one of them.
    const contexts: LlamaContext[] = [];
    const context = async (model: LlamaModel) => {
        const c = await model.createContext(options);
        contexts.push(c);
        return c;
    };
    try {
        const plain = {sequence: (await context(verifier)).getSequence(), runs: [] as Awaited<ReturnType<typeof generate>>[]};
        const variants = [];
        for (const m of modes) {
            const dctx = await context(draftModel);
            variants.push({...m, ...m.setup(await context(verifier), dctx), runs: [] as Awaited<ReturnType<typeof generate>>[]});
        }
        await generate(plain.sequence, prompt); // warm-up
        for (const v of variants) await generate(v.sequence, prompt, v.drafter);
        const before = new Map(variants.map((v) => [v, v.sequence.tokenPredictions]));
        for (let r = 0; r < E2E_REPS; r++) {
            plain.runs.push(await generate(plain.sequence, prompt));
            for (const v of variants) v.runs.push(await generate(v.sequence, prompt, v.drafter));
        }
        const without = median(plain.runs.map((p) => p.tokensPerSecond));
        return variants.map((v): E2eRun => {
            // node-llama-cpp counts its predictor's tokens on the sequence; the server's loop counts its own.
            const counted = v.sequence.tokenPredictions, b = before.get(v)!;
            const sum = (f: (x: {validated: number; refuted: number; used: number}) => number) => v.runs.reduce((n, w) => n + f(w.stats), 0);
            const validated = v.drafter ? sum((x) => x.validated) : counted.validated - b.validated;
            const refuted = v.drafter ? sum((x) => x.refuted) : counted.refuted - b.refuted;
            const used = v.drafter ? sum((x) => x.used) : counted.used - b.used;
            const acceptance = validated + refuted > 0 ? validated / (validated + refuted) : 0;
            const withTps = median(v.runs.map((p) => p.tokensPerSecond));
            const D = which === "self" ? costs.Dself : costs.D;
            return {
                draft: which, mode: v.mode,
                tokensPerSecondWithout: round(without, 1), tokensPerSecondWith: round(withTps, 1), measuredSpeedup: round(withTps / without),
                validated, refuted, used, acceptance: round(acceptance),
                formulaSpeedup: v.k == null ? null : round(expectedSpeedup(acceptance, v.k, {...costs, D})),
                sameTokens: v.runs.every((w) => w.tokens.join() === plain.runs[0].tokens.join())
            };
        });
    } finally {
        for (const c of contexts.reverse()) await c.dispose();
    }
}

async function main() {
    for (const f of [modelPath, draftPath]) if (!fs.existsSync(f)) throw new Error(`model ${f} not found`);
    const started = performance.now();
    const {getLlama} = await import("node-llama-cpp");
    const llama = await getLlama({gpu: gpu === "cpu" ? false : gpu, maxThreads: threads, build: "never", logLevel: "error" as never});
    const verifier = await loadModel(llama, modelPath);
    const draft = draftPath === modelPath ? verifier : await loadModel(llama, draftPath);
    const info = (m: LlamaModel, file: string) => ({file: path.basename(file), type: m.typeDescription, bytes: m.size,
        gpuLayers: m.gpuLayers, layers: m.fileInsights.totalLayers, vocab: m.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length});
    const backend = llama.gpu === false ? "cpu" : llama.gpu;
    const devices = llama.gpu ? await llama.getGpuDeviceNames() : [os.cpus()[0]?.model ?? "CPU"];
    console.log(`backend ${backend} (${devices.join(", ")}), ${threads} threads; verifier ${path.basename(modelPath)} `
        + `(${verifier.gpuLayers}/${verifier.fileInsights.totalLayers} GPU layers), draft ${path.basename(draftPath)} `
        + `(${draft.gpuLayers}/${draft.fileInsights.totalLayers} GPU layers)`);

    const prompt = promptFor(verifier, promptTokens);
    const measured = await measureCosts(llama, verifier, draft, prompt);
    const c = measured.costs;
    console.log(`after a ${prompt.length}-token prompt (prefill ${Math.round(measured.prefillMs)} ms): T ${c.T.toFixed(3)} ms/token, `
        + `D ${c.D.toFixed(3)} ms/token (D/T ${(c.D / c.T).toFixed(3)}), `
        + KS.map((k) => `V(${k})/T ${(c.V[k] / c.T).toFixed(2)}`).join(", "));

    const grid = ACCEPTANCE.flatMap((a) => KS.map((k) => ({a, k, tokensPerStep: round(tokensPerStep(a, k)), speedup: round(expectedSpeedup(a, k, c))})));
    const best = ACCEPTANCE.map((a) => grid.filter((g) => g.a === a).reduce((x, y) => (y.speedup > x.speedup ? y : x)));
    const w = 10;
    console.log(`\nexpected speedup = E·T / (k·D + V(k)), E = (1 - a^(k+1)) / (1 - a)`);
    console.log(["a".padEnd(6), ...KS.map((k) => `k=${k}`.padStart(w)), "best k".padStart(w), "speedup".padStart(w)].join(""));
    for (const b of best) {
        console.log([b.a.toFixed(1).padEnd(6), ...KS.map((k) => grid.find((g) => g.a === b.a && g.k === k)!.speedup.toFixed(3).padStart(w)),
            String(b.k).padStart(w), b.speedup.toFixed(3).padStart(w)].join(""));
    }

    // D of the verifier drafting for itself, for the formula of the "self" runs.
    const Dself = draft === verifier ? c.D : c.T;
    const e2e: E2eRun[] = [];
    for (const name of e2eDrafts) if (name !== "draft" && name !== "self") throw new Error(`--e2e-drafts takes "draft" and/or "self", not "${name}"`);
    // With --draft the same file as --model, "draft" is "self".
    for (const which of [...new Set(e2eDrafts.map((n) => (draft === verifier ? "self" : n)))] as ("draft" | "self")[]) {
        const draftModel = which === "self" ? (draft === verifier ? verifier : await loadModel(llama, modelPath)) : draft;
        try {
            e2e.push(...await endToEnd(llama, verifier, draftModel, which, prompt, {...c, Dself}));
        } finally {
            if (draftModel !== verifier && draftModel !== draft) await draftModel.dispose();
        }
    }
    if (e2e.length) {
        console.log(`\nend to end, ${E2E_TOKENS} greedy tokens after the prompt, draft minConfidence 0:`);
        for (const r of e2e) {
            console.log(`  ${r.draft.padEnd(5)} ${r.mode.padEnd(12)} ${r.tokensPerSecondWithout} → ${r.tokensPerSecondWith} tok/s = ${r.measuredSpeedup.toFixed(3)}×`
                + `${r.formulaSpeedup != null ? ` (formula at the measured acceptance: ${r.formulaSpeedup.toFixed(3)}×)` : ""}; `
                + `acceptance ${r.acceptance} (${r.validated} accepted, ${r.refuted} rejected, ${r.used} used)`
                + `${r.sameTokens ? "" : "; OUTPUT DIFFERS from plain decoding"}`);
        }
    }

    const result = {
        date: new Date().toISOString(),
        machine: {backend, devices, threads, cpus: os.cpus().length, node: process.version},
        verifier: info(verifier, modelPath), draft: info(draft, draftPath),
        promptTokens: prompt.length, contextSize: measured.contextSize, prefillMs: round(measured.prefillMs, 1), repetitions: REPS,
        costsMs: {T: round(c.T, 4), D: round(c.D, 4), V: Object.fromEntries(KS.map((k) => [k, round(c.V[k], 4)]))},
        ratios: {DoverT: round(c.D / c.T), VoverT: Object.fromEntries(KS.map((k) => [k, round(c.V[k] / c.T)]))},
        formula: "speedup = E*T / (k*D + V(k)), E = (1 - a^(k+1)) / (1 - a)",
        best, grid, e2e, e2eTokens: E2E_TOKENS,
        samplesMs: measured.samples,
        seconds: round((performance.now() - started) / 1000, 1)
    };
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
    console.log(`\n${result.seconds} s; JSON: ${outFile}`);
    if (draft !== verifier) await draft.dispose();
    await verifier.dispose();
    // llama.dispose() can hang after failed loads (see modelHost.ts); the process is done anyway.
    process.exit(0);
}

main().catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
});
