// `npm run bench:engine [-- --models tiny,270m,2b] [--positions N] [--chars N] [--baseline DIR/server.js] [--load]
//                        [--out FILE]`: our server over LSP against llama.cpp's llama-server over HTTP, same model file.
// For each model, several of our servers (default settings; fixed thread counts 1…cores; prompt lookup off/on; a
// baseline build when given) and llama-servers (-t 1…cores) run side by side. At positions in real code the next
// characters are typed one at a time; at each keystroke every one of our servers is asked for a completion, and each
// llama-server gets the prompt our default server built (same tokens, from its trace) with as many tokens to generate
// as it generated, KV cache reused the same way (cache_prompt). The order is rotated every keystroke, so every
// engine sees the same machine load. Prints medians and ratios (ours ÷ llama-server) and writes JSON.
// --load repeats the run (default, the thread curve, llama-server), each position typed with and without a process spinning on one core
// (--load-only: only that). --cpu-prof DIR profiles our servers.
import {ChildProcess, spawn} from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {ServerProcess} from "../common/serverProcess";
import type {CompletionMetrics, CompletionStats, CompletionTrace} from "../protocol/lsp";
import {physicalCores, threadsFor} from "../language-server/engine/local/threadPolicy";
import {LlamaServer} from "../test/support/llamaServer";
import {arg, hasFlag, intArg, median} from "./cliArgs";
import {loadCorpus, pickLines} from "./corpus";

const root = path.resolve(__dirname, "../..");
const cores = physicalCores();
const defaultThreads = threadsFor({setting: 0, physicalCores: cores, fullyOffloaded: false});
const scale = intArg("--scale", 1, 1);
const MODELS: Record<string, {file: () => string; positions: number; chars: number; completion?: Record<string, number>}> = {
    tiny: {file: () => path.join(root, "test/.models/tiny-gemma2.gguf"), positions: 6, chars: 6},
    "270m": {file: () => path.join(os.homedir(), ".cache/gemma-code/models/gemma-3-270m-q4_k_m.gguf"), positions: 3, chars: 5},
    // Random weights: only the speed means anything ("decode only"), so short prompts and generations.
    // 1.5 GB: kept outside the repository (node scripts/make-gguf.mjs --preset gemma2-2b --out THAT_PATH).
    "2b": {file: () => path.join(os.homedir(), ".cache/gemma-code/models/gemma2-2b-shaped.gguf"), positions: 1, chars: 3, completion: {maxTokens: 8, promptTokens: 96}}
};
const models = (arg("--models") ?? Object.keys(MODELS).join(",")).split(",");
/** --positions N: cursor positions per model instead of the model's own count (--scale multiplies either). */
const positionsArg = arg("--positions") ? intArg("--positions", 1, 1) : undefined;
/** --peer-threads 1,2: llama-server thread counts (default 1…cores; its own default is all physical cores). */
const peerThreads = arg("--peer-threads")?.split(",").map(Number);
const baseline = arg("--baseline");
/** --variants: which of our servers run beside the default one (threads = the thread curve 1…cores). */
const variants = new Set((arg("--variants") ?? "threads,lookup,baseline").split(","));
/** --cpu-prof DIR: our servers write V8 CPU profiles there (one folder per server), to find our per-token cost. */
const cpuProf = arg("--cpu-prof");
/** --ours-only: without llama-server (to profile, or where it is not built). */
const oursOnly = hasFlag("--ours-only");
const outFile = arg("--out") ?? path.join(root, "bench/.out", `engine-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

/** Our server's phases (CompletionTrace.phases) and, measured by this client, `transport`: the request's time here
 *  minus the server's own (JSON-RPC over the pipe, both ways, and the event loops on either side). */
type Phases = NonNullable<CompletionTrace["phases"]> & {transport: number};
interface Sample {ms: number; prefillTps?: number; genTps?: number; msPerToken?: number; phases?: Phases; reused?: number; threads?: number}
/** Keystrokes where llama-server's prompt had another token count than ours (left out for every engine). */
const mismatches: string[] = [];
interface Engine {
    name: string;
    threads: number;
    samples: Sample[];
    ask(step: Step): Promise<Sample | undefined>;
    stop(): Promise<void>;
    metrics?: () => Promise<CompletionMetrics>;
}
interface Step {uri: string; version: number; text: string; line: number; character: number; trace?: CompletionTrace; bos?: number;
    /** --load: this keystroke runs beside the busy process. */
    loaded?: boolean}

async function ourServer(name: string, serverPath: string, modelPath: string, settings: Record<string, unknown>, threads: number,
                         completion: Record<string, number> | undefined, leads = false): Promise<Engine> {
    const profile = cpuProf ? path.join(cpuProf, `${name.replace(/\W+/g, "-")}.cpuprofile`) : undefined;
    const {server} = await ServerProcess.start({serverPath: profile ? profiler() : serverPath, clientName: "gemma-code-bench-engine",
        env: {GEMMA_CODE_TRACE: "1", ...(profile ? {GEMMA_CODE_PROFILE: profile, GEMMA_CODE_PROFILED_SERVER: path.resolve(serverPath)} : {})},
        // One suggestion per request, as llama-server gives: with the default 3 candidates the 2nd and 3rd are generated in
        // the background after the answer and would compete for the cores while the other engines are measured (their
        // cost to the next keystroke, about one token, is measured by bench:candidates).
        initializationOptions: {settings: {modelPath, ...settings, completion: {debounceMs: 0, candidates: 1, ...completion, ...(settings.completion as object)}}}});
    const ready = await Promise.race([server.waitForState((s) => s.status === "ready" || s.status === "error"),
        server.exited.then((code) => ({status: "error", message: `exited with ${code}: ${server.stderr.join("").slice(-500)}`}))]);
    if (ready.status !== "ready") throw new Error(`${name}: ${ready.message}`);
    const stats: CompletionStats[] = [];
    server.connection.onNotification("gemma/completionStats", (s: CompletionStats) => void stats.push(s));
    const opened = new Map<string, string>();
    const engine: Engine = {
        name, threads, samples: [],
        async ask(step) {
            const old = opened.get(step.uri);
            opened.set(step.uri, step.text);
            if (old === undefined) {
                await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: step.uri, languageId: "javascript", version: step.version, text: step.text}});
            } else {
                // What an editor sends while the user types: the changed range only (the server syncs incrementally).
                await server.connection.sendNotification("textDocument/didChange", {textDocument: {uri: step.uri, version: step.version}, contentChanges: [changeOf(old, step.text)]});
            }
            const before = stats.length;
            const started = performance.now();
            await server.connection.sendRequest("textDocument/inlineCompletion",
                {textDocument: {uri: step.uri}, position: {line: step.line, character: step.character}, context: {triggerKind: 1}});
            const ms = performance.now() - started;
            const s = stats.length > before ? stats.at(-1)! : undefined;
            if (!s || s.source !== "model") return undefined; // answered from the suggestion cache: not the same work
            const trace = (await server.connection.sendRequest<CompletionTrace[]>("gemma/completionTraces")).at(-1);
            if (leads) step.trace = trace;
            const evaluated = s.promptTokens - s.reusedTokens;
            // Per token after the first, as llama-server's predicted_ms / predicted_n counts it (its first token is in
            // its prompt time).
            const ph = trace?.phases;
            const msPerToken = ph && s.generatedTokens > 1 ? ph.generate / (s.generatedTokens - 1) : undefined;
            return {ms, genTps: msPerToken ? 1000 / msPerToken : undefined, msPerToken,
                prefillTps: trace?.prefillMs ? evaluated / (trace.prefillMs / 1000) : undefined,
                phases: ph && {...ph, transport: ms - trace!.latencyMs}, reused: s.reusedTokens, threads: trace?.threads};
        },
        metrics: () => server.connection.sendRequest<CompletionMetrics>("gemma/completionMetrics"),
        stop: async () => void await server.shutdown()
    };
    return engine;
}

/** The edit that turns `old` into `text`: the range between their common start and end, and what replaces it. */
function changeOf(old: string, text: string) {
    let start = 0;
    while (start < old.length && start < text.length && old[start] === text[start]) start++;
    let end = 0;
    while (end < old.length - start && end < text.length - start && old[old.length - 1 - end] === text[text.length - 1 - end]) end++;
    const position = (offset: number) => {
        const before = old.slice(0, offset);
        const line = before.split("\n").length - 1;
        return {line, character: offset - (before.lastIndexOf("\n") + 1)};
    };
    return {range: {start: position(start), end: position(old.length - end)}, text: text.slice(start, text.length - end)};
}

/**
 * A wrapper that runs the server under V8's CPU profiler and writes the profile when it exits (NODE_OPTIONS may not
 * carry --cpu-prof, and the server is started as `node FILE --stdio`).
 */
function profiler() {
    const file = path.join(cpuProf!, "profile-server.js");
    fs.mkdirSync(cpuProf!, {recursive: true});
    fs.writeFileSync(file, `const inspector = require("node:inspector"), fs = require("node:fs");
const session = new inspector.Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.start");
process.on("exit", () => session.post("Profiler.stop", (e, r) => { if (!e) fs.writeFileSync(process.env.GEMMA_CODE_PROFILE, JSON.stringify(r.profile)); }));
require(process.env.GEMMA_CODE_PROFILED_SERVER);
`);
    return file;
}

const agent = new http.Agent({keepAlive: true});
function post(port: number, pathName: string, body: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const req = http.request({host: "127.0.0.1", port, path: pathName, method: "POST", agent, headers: {"content-type": "application/json"}}, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                if (res.statusCode !== 200) reject(new Error(`${pathName}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
                else resolve(JSON.parse(text));
            });
        });
        req.on("error", reject);
        req.end(JSON.stringify(body));
    });
}

async function peerServer(modelPath: string, threads: number): Promise<Engine & {port: number}> {
    // Its defaults but the thread count, and --poll 0: with llama.cpp's default busy polling it ran at ~2 tok/s
    // instead of ~1,800 on this shared 2-core machine (test/support/llamaServer.ts), which would flatter us.
    const server = await LlamaServer.start({contextSize: 8192, args: ["-m", modelPath, "--threads", String(threads), "--flash-attn", "on"]});
    let pretokenize = false;
    return {
        name: `llama-server -t ${threads}`, threads, samples: [], port: server.port,
        async ask(step) {
            const trace = step.trace;
            if (!trace || trace.generatedTokens === 0) return undefined;
            // The prompt as text, tokenized by llama-server inside the timed request as ours is inside its own: <bos>,
            // then each part as a string (a mixed prompt: each string tokenized on its own, control tokens parsed, as
            // ours does for the template parts; the corpus's code holds no control-token strings).
            // Should this llama-server count another number of tokens for that (a version that tokenizes mixed prompts
            // otherwise), it gets the tokens instead, tokenized before the timer as before (said in the output).
            let prompt: (number | string)[] = [...(step.bos != null ? [step.bos] : []), ...trace.prompt.map((p) => p.text)];
            if (pretokenize) {
                prompt = step.bos != null ? [step.bos] : [];
                for (const part of trace.prompt) {
                    const r = await post(server.port, "/tokenize", {content: part.text, add_special: false, parse_special: part.special}) as {tokens: number[]};
                    prompt.push(...r.tokens);
                }
            }
            const started = performance.now();
            // It still refuses some answers as not UTF-8 (HTTP 500): that keystroke is left out for every engine.
            const r = await post(server.port, "/completion", {prompt, n_predict: trace.generatedTokens, temperature: 0,
                cache_prompt: true, ignore_eos: true, stream: false,
                // As our remote engine sends it: this llama-server fails a whole answer whose bytes are not UTF-8 (the tiny
                // model's random byte tokens); the grammar skips such tokens (no measurable cost, remoteEngine.ts).
                grammar: "root ::= [^\\x00]*"}).catch((e: Error) => (/HTTP 500/.test(e.message) ? undefined : Promise.reject(e))) as
                {tokens_evaluated?: number; tokens_cached?: number; timings: {prompt_n: number; prompt_ms: number; predicted_ms: number; predicted_n: number; cache_n?: number}} | undefined;
            if (!r) return undefined;
            const ms = performance.now() - started;
            const t = r.timings;
            // The same work or it does not count: as many prompt tokens as ours had.
            if (r.tokens_evaluated != null && r.tokens_evaluated !== trace.promptTokens) {
                mismatches.push(`${trace.promptTokens} vs ${r.tokens_evaluated}`);
                if (!pretokenize) console.log(`llama-server -t ${threads}: ${trace.promptTokens} prompt tokens here, ${r.tokens_evaluated} there: `
                    + "it gets tokens from now on, tokenized before the timer");
                pretokenize = true;
                return undefined;
            }
            const msPerToken = t.predicted_n > 1 ? t.predicted_ms / (t.predicted_n - 1) : undefined;
            return {ms, prefillTps: t.prompt_n / (t.prompt_ms / 1000), genTps: msPerToken ? 1000 / msPerToken : undefined, msPerToken,
                reused: r.tokens_evaluated != null ? r.tokens_evaluated - t.prompt_n : undefined};
        },
        stop: () => server.stop()
    };
}

/**
 * The keystrokes: at each position the rest of the line is cut, then its next characters are typed one by one.
 * `twice` (--load): each position is typed twice, as another document, once beside the busy process and once
 * without, the order alternating by position, so that both figures are over the same work.
 */
function* keystrokes(model: string, positions: number, chars: number, twice = false): Generator<Step> {
    const corpus = loadCorpus(root);
    let version = 1;
    for (let p = 0; p < positions; p++) {
        const f = p % corpus.length;
        const file = corpus[f];
        for (const line of pickLines(file.lines, Math.floor(positions / corpus.length) + 1).slice(Math.floor(p / corpus.length), Math.floor(p / corpus.length) + 1)) {
            const text = file.lines[line];
            const col = /^\s*/.exec(text)![0].length + 2;
            const uri = `${file.uri}#${model}-${f}-${line}`;
            for (const pass of twice ? [0, 1] : [0]) {
                for (let i = 0; i <= chars && col + i <= text.length; i++) {
                    const lines = [...file.lines];
                    lines[line] = text.slice(0, col + i);
                    yield {uri: pass ? `${uri}-again` : uri, version: version++, text: lines.join("\n"), line, character: col + i,
                        loaded: twice && (p + pass) % 2 === 1};
                }
            }
        }
    }
}

async function runModel(model: string, load: boolean) {
    const spec = MODELS[model];
    const modelPath = spec.file();
    if (!fs.existsSync(modelPath)) throw new Error(`${modelPath} is missing (tiny: node scripts/make-gguf.mjs; 270m: bash scripts/fetch-real-model.sh; `
        + `2b: node scripts/make-gguf.mjs --preset gemma2-2b --out ${modelPath})`);
    const serverPath = path.join(root, "dist/server.js");
    const engines: Engine[] = [];
    const loadStart = os.loadavg()[0];
    const spin: ChildProcess[] = [];
    try {
        const c = spec.completion;
        engines.push(await ourServer("ours, default", serverPath, modelPath, {}, defaultThreads, c, true));
        // Under --load too: the thread curve with a busy core is what the default has to follow.
        if (variants.has("threads")) for (let t = 1; t <= cores; t++) engines.push(await ourServer(`ours -t ${t}`, serverPath, modelPath, {threads: t}, t, c));
        if (!load) {
            if (model !== "2b" && variants.has("lookup")) {
                engines.push(await ourServer("ours, prompt lookup off", serverPath, modelPath, {completion: {promptLookup: "off"}}, defaultThreads, c));
                engines.push(await ourServer("ours, prompt lookup on", serverPath, modelPath, {completion: {promptLookup: "on"}}, defaultThreads, c));
            }
            if (baseline && model !== "2b" && variants.has("baseline")) {
                engines.push(await ourServer("before, default", baseline, modelPath, {}, os.availableParallelism(), c));
                engines.push(await ourServer(`before -t ${defaultThreads}`, baseline, modelPath, {threads: defaultThreads}, defaultThreads, c));
            }
        }
        const peers = oursOnly ? [] : load && !peerThreads ? [await peerServer(modelPath, cores)]
            : await Promise.all((peerThreads ?? Array.from({length: cores}, (_, i) => i + 1)).map((t) => peerServer(modelPath, t)));
        engines.push(...peers);
        // <bos> as the model's vocabulary says (our server adds it too).
        const bos = peers[0] && (await post(peers[0].port, "/tokenize", {content: "", add_special: true}) as {tokens: number[]}).tokens[0];
        // --load: a process spinning on a core while each position is typed a second time (stopped with SIGSTOP otherwise), so the
        // loaded and the unloaded figures are measured interleaved, under the same outside load, on the same engines.
        const spinner = load ? spawn(process.execPath, ["-e", "for(;;){}"], {stdio: "ignore"}) : undefined;
        if (spinner) {
            spin.push(spinner);
            spinner.kill("SIGSTOP");
        }
        const busy = new Map<Engine, Engine>(engines.map((e) => [e, {...e, name: `${e.name}, +1 busy core`, samples: []}]));
        let position = 0;
        let lastUri = "";
        const peerSet = new Set<Engine>(peers);
        const ours = engines.filter((e) => !peerSet.has(e));
        let k = 0;
        // Warm-up: the first request of each position pays for the whole prompt on every engine alike; it counts.
        for (const step of keystrokes(model, (positionsArg ?? spec.positions) * scale, spec.chars, !!spinner)) {
            step.bos = bos;
            // Our default server goes first (the llama-servers replay its prompt); the others in a rotating order.
            const rest: Engine[] = [...ours.slice(1), ...peers];
            const order = [ours[0], ...rest.slice(k % rest.length), ...rest.slice(0, k % rest.length)];
            k++;
            const got = new Map<Engine, Sample | undefined>();
            if (step.uri !== lastUri) (lastUri = step.uri, position++);
            // Each position typed twice, with and without the spinner (6-7 keystrokes each, as a build that starts and
            // stops while one types: the first keystroke after a change pays for the policy's look-back, threadPolicy.ts).
            const loaded = !!step.loaded;
            if (loaded) spinner!.kill("SIGCONT");
            for (const e of order) got.set(e, await e.ask(step));
            if (loaded) spinner!.kill("SIGSTOP");
            // Only keystrokes where every engine did the work count, so that all medians are over the same requests.
            if ([...got.values()].every((s) => s)) for (const [e, s] of got) (loaded ? busy.get(e)! : e).samples.push(s!);
        }
        const drafts = await Promise.all(ours.map(async (e) => (await e.metrics?.()) ?? undefined));
        return {model, load, cores, loadAverage: {start: loadStart, end: os.loadavg()[0]}, mismatches: mismatches.splice(0),
            engines: [...engines.map((e, i) => summarize(e, drafts[i])),
                ...(spinner ? engines.map((e) => summarize(busy.get(e)!, undefined)) : [])]};
    } finally {
        for (const s of spin) s.kill("SIGKILL");
        for (const e of engines) await e.stop().catch(() => undefined);
    }
}

function summarize(e: Engine, m: CompletionMetrics | undefined) {
    const pick = (f: (s: Sample) => number | undefined) => median(e.samples.map(f).filter((v): v is number => v != null && Number.isFinite(v)));
    return {
        name: e.name, threads: e.threads, requests: e.samples.length,
        timeToSuggestionMs: pick((s) => s.ms),
        // The mean shows what the median hides: the occasional slow request (a tuner re-check at the slower count).
        meanMs: e.samples.length ? e.samples.reduce((a, s) => a + s.ms, 0) / e.samples.length : NaN,
        prefillTps: pick((s) => s.prefillTps), genTps: pick((s) => s.genTps),
        msPerToken: pick((s) => s.msPerToken), reusedTokens: pick((s) => s.reused),
        /** Our servers: the threads of each request's last decode batch, as the trace says (mean). */
        threadsUsed: e.samples.some((s) => s.threads) ? e.samples.reduce((a, s) => a + (s.threads ?? 0), 0) / e.samples.length : undefined,
        phases: e.samples.some((s) => s.phases)
            ? Object.fromEntries(PHASES.map((k) => [k, pick((s) => s.phases?.[k])])) as Record<keyof Phases, number> : undefined,
        draft: m && m.draftValidated + m.draftRefuted > 0
            ? {validated: m.draftValidated, refuted: m.draftRefuted, used: m.draftUsed, generated: m.generatedTokens,
                acceptance: m.draftValidated / (m.draftValidated + m.draftRefuted)} : undefined
    };
}

type Summary = ReturnType<typeof summarize>;
const PHASES = ["wait", "context", "prompt", "tokenize", "prefill", "firstToken", "generate", "postprocess", "transport"] as const;

function printTable(run: {model: string; load: boolean; engines: Summary[]; loadAverage: {start: number; end: number}; mismatches: string[]}) {
    const peerAt = (t: number) => run.engines.find((e) => e.name === `llama-server -t ${t}`);
    const peerDefault = peerAt(cores);
    console.log(`\n${run.model}${run.load ? ", one core kept busy by another process" : ""} (${run.engines[0]?.requests} requests each; `
        + `load average ${run.loadAverage.start.toFixed(1)} → ${run.loadAverage.end.toFixed(1)}`
        + `${run.mismatches.length ? `; ${run.mismatches.length} keystrokes left out: llama-server's prompt had another token count` : ""})`);
    console.log("engine                    | time to suggestion |     mean | ÷ llama-server | ÷ same -t | prefill tok/s | gen tok/s | gen ÷ llama-server same -t | ms/token | threads used | draft acceptance");
    console.log("--------------------------|--------------------|----------|----------------|-----------|---------------|-----------|----------------------------|----------|--------------|-----------------");
    for (const e of run.engines) {
        const same = peerAt(e.threads);
        const f = (v: number, d = 0) => Number.isFinite(v) ? v.toFixed(d) : "-";
        console.log(`${e.name.padEnd(26)}| ${`${f(e.timeToSuggestionMs, 1)} ms`.padStart(18)} | ${`${f(e.meanMs)} ms`.padStart(8)} | ${f(e.timeToSuggestionMs / (peerDefault?.timeToSuggestionMs ?? NaN), 2).padStart(14)} | `
            + `${f(e.timeToSuggestionMs / (same?.timeToSuggestionMs ?? NaN), 2).padStart(9)} | `
            + `${f(e.prefillTps).padStart(13)} | ${f(e.genTps).padStart(9)} | ${f(e.genTps / (same?.genTps ?? NaN), 2).padStart(26)} | `
            + `${f(e.msPerToken, 2).padStart(8)} | ${(e.threadsUsed !== undefined ? e.threadsUsed.toFixed(2) : String(e.threads)).padStart(12)} | ${e.draft ? `${(100 * e.draft.acceptance).toFixed(0)} % (${e.draft.used} used of ${e.draft.generated})` : "-"}`);
    }
    for (const e of run.engines.filter((x) => x.name.endsWith(", +1 busy core"))) {
        const idle = run.engines.find((x) => `${x.name}, +1 busy core` === e.name);
        if (idle) console.log(`${e.name}: time to suggestion ${(e.timeToSuggestionMs / idle.timeToSuggestionMs).toFixed(2)}× the same engine's without it (interleaved)`);
    }
    // Where our time goes (medians of each phase over the same requests; they need not add up to the median total).
    console.log(`\nphases, median ms | ${PHASES.map((p) => p.padStart(11)).join(" | ")} | reused prompt tokens`);
    for (const e of run.engines) {
        const ph = e.phases;
        console.log(`${e.name.slice(0, 18).padEnd(18)}| ${PHASES.map((p) => (ph ? ph[p].toFixed(1) : "-").padStart(11)).join(" | ")} | ${Number.isFinite(e.reusedTokens) ? e.reusedTokens : "-"}`);
    }
}

async function main() {
    console.log(`machine: ${os.cpus()[0]?.model}, ${os.availableParallelism()} logical CPUs, ${cores} physical cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`our default thread count (engine/local/threadPolicy.ts): ${defaultThreads}`);
    const runs = [];
    for (const model of models) {
        if (!MODELS[model]) throw new Error(`unknown model "${model}"; known: ${Object.keys(MODELS).join(", ")}`);
        // --load-only: the --load runs alone (each types every position idle too), to keep one run short.
        if (hasFlag("--load-only")) continue;
        const run = await runModel(model, false);
        printTable(run);
        runs.push(run);
    }
    if (hasFlag("--load") || hasFlag("--load-only")) {
        for (const model of models.filter((m) => m !== "2b")) {
            const run = await runModel(model, true);
            printTable(run);
            runs.push(run);
        }
    }
    const result = {date: new Date().toISOString(), machine: {cpu: os.cpus()[0]?.model, logical: os.availableParallelism(), physicalCores: cores,
        loadAverageAtEnd: os.loadavg()}, defaultThreads, runs};
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
    console.log(`\nJSON: ${outFile}`);
    agent.destroy();
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
