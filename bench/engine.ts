// `npm run bench:engine [-- --models tiny,270m,2b] [--positions N] [--chars N] [--baseline DIR/server.js] [--load]
//                        [--out FILE]`: our server over LSP against llama.cpp's llama-server over HTTP, same model file.
// For each model, several of our servers (default settings; fixed thread counts 1…cores; prompt lookup off/on; a
// baseline build when given) and llama-servers (-t 1…cores) run side by side. At positions in real code the next
// characters are typed one at a time; at each keystroke every one of our servers is asked for a completion, and each
// llama-server gets the prompt our default server built (same tokens, from its trace) with as many tokens to generate
// as it generated, KV cache reused the same way (cache_prompt). The order is rotated every keystroke, so every
// engine sees the same machine load. Prints medians and ratios (ours ÷ llama-server) and writes JSON.
// --load repeats the default pair with a busy process spinning on one core. --cpu-prof DIR profiles our servers.
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
    "2b": {file: () => path.join(root, "test/.models/gemma2-2b-shaped.gguf"), positions: 1, chars: 3, completion: {maxTokens: 8, promptTokens: 96}}
};
const models = (arg("--models") ?? Object.keys(MODELS).join(",")).split(",");
const baseline = arg("--baseline");
/** --cpu-prof DIR: our servers write V8 CPU profiles there (one folder per server), to find our per-token cost. */
const cpuProf = arg("--cpu-prof");
/** --ours-only: without llama-server (to profile, or where it is not built). */
const oursOnly = hasFlag("--ours-only");
const outFile = arg("--out") ?? path.join(root, "bench/.out", `engine-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

interface Sample {ms: number; prefillTps?: number; genTps?: number; msPerToken?: number}
interface Engine {
    name: string;
    threads: number;
    samples: Sample[];
    ask(step: Step): Promise<Sample | undefined>;
    stop(): Promise<void>;
    metrics?: () => Promise<CompletionMetrics>;
}
interface Step {uri: string; version: number; text: string; line: number; character: number; trace?: CompletionTrace; bos?: number}

async function ourServer(name: string, serverPath: string, modelPath: string, settings: Record<string, unknown>, threads: number,
                         completion: Record<string, number> | undefined, leads = false): Promise<Engine> {
    const profile = cpuProf ? path.join(cpuProf, `${name.replace(/\W+/g, "-")}.cpuprofile`) : undefined;
    const {server} = await ServerProcess.start({serverPath: profile ? profiler() : serverPath, clientName: "gemma-code-bench-engine",
        env: {GEMMA_CODE_TRACE: "1", ...(profile ? {GEMMA_CODE_PROFILE: profile, GEMMA_CODE_PROFILED_SERVER: path.resolve(serverPath)} : {})},
        initializationOptions: {settings: {modelPath, ...settings, completion: {...completion, ...(settings.completion as object)}}}});
    const ready = await Promise.race([server.waitForState((s) => s.status === "ready" || s.status === "error"),
        server.exited.then((code) => ({status: "error", message: `exited with ${code}: ${server.stderr.join("").slice(-500)}`}))]);
    if (ready.status !== "ready") throw new Error(`${name}: ${ready.message}`);
    const stats: CompletionStats[] = [];
    server.connection.onNotification("gemma/completionStats", (s: CompletionStats) => void stats.push(s));
    const opened = new Set<string>();
    const engine: Engine = {
        name, threads, samples: [],
        async ask(step) {
            if (!opened.has(step.uri)) {
                opened.add(step.uri);
                await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: step.uri, languageId: "javascript", version: step.version, text: step.text}});
            } else {
                await server.connection.sendNotification("textDocument/didChange", {textDocument: {uri: step.uri, version: step.version}, contentChanges: [{text: step.text}]});
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
            return {ms, genTps: s.tokensPerSecond || undefined, msPerToken: s.tokensPerSecond ? 1000 / s.tokensPerSecond : undefined,
                prefillTps: trace?.prefillMs ? evaluated / (trace.prefillMs / 1000) : undefined};
        },
        metrics: () => server.connection.sendRequest<CompletionMetrics>("gemma/completionMetrics"),
        stop: async () => void await server.shutdown()
    };
    return engine;
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
    return {
        name: `llama-server -t ${threads}`, threads, samples: [], port: server.port,
        async ask(step) {
            const trace = step.trace;
            if (!trace || trace.generatedTokens === 0) return undefined;
            const tokens: number[] = step.bos != null ? [step.bos] : [];
            for (const part of trace.prompt) {
                const r = await post(server.port, "/tokenize", {content: part.text, add_special: false, parse_special: part.special}) as {tokens: number[]};
                tokens.push(...r.tokens);
            }
            const started = performance.now();
            // It still refuses some answers as not UTF-8 (HTTP 500): that keystroke is left out for every engine.
            const r = await post(server.port, "/completion", {prompt: tokens, n_predict: trace.generatedTokens, temperature: 0,
                cache_prompt: true, ignore_eos: true, stream: false,
                // As our remote engine sends it: this llama-server fails a whole answer whose bytes are not UTF-8 (the tiny
                // model's random byte tokens); the grammar skips such tokens (no measurable cost, remoteEngine.ts).
                grammar: "root ::= [^\\x00]*"}).catch((e: Error) => (/HTTP 500/.test(e.message) ? undefined : Promise.reject(e))) as {timings: {prompt_per_second: number; predicted_per_second: number; predicted_ms: number; predicted_n: number}} | undefined;
            if (!r) return undefined;
            const ms = performance.now() - started;
            const t = r.timings;
            return {ms, prefillTps: t.prompt_per_second, genTps: t.predicted_per_second, msPerToken: t.predicted_n ? t.predicted_ms / t.predicted_n : undefined};
        },
        stop: () => server.stop()
    };
}

/** The keystrokes: at each position the rest of the line is cut, then its next characters are typed one by one. */
function* keystrokes(model: string, positions: number, chars: number): Generator<Step> {
    const corpus = loadCorpus(root);
    let version = 1;
    for (let p = 0; p < positions; p++) {
        const f = p % corpus.length;
        const file = corpus[f];
        for (const line of pickLines(file.lines, Math.floor(positions / corpus.length) + 1).slice(Math.floor(p / corpus.length), Math.floor(p / corpus.length) + 1)) {
            const text = file.lines[line];
            const col = /^\s*/.exec(text)![0].length + 2;
            const uri = `${file.uri}#${model}-${f}-${line}`;
            for (let i = 0; i <= chars && col + i <= text.length; i++) {
                const lines = [...file.lines];
                lines[line] = text.slice(0, col + i);
                yield {uri, version: version++, text: lines.join("\n"), line, character: col + i};
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
    const spin: ChildProcess[] = [];
    try {
        const c = spec.completion;
        engines.push(await ourServer("ours, default", serverPath, modelPath, {}, defaultThreads, c, true));
        if (!load) {
            for (let t = 1; t <= cores; t++) engines.push(await ourServer(`ours -t ${t}`, serverPath, modelPath, {threads: t}, t, c));
            if (model !== "2b") {
                engines.push(await ourServer("ours, prompt lookup off", serverPath, modelPath, {completion: {promptLookup: "off"}}, defaultThreads, c));
                engines.push(await ourServer("ours, prompt lookup on", serverPath, modelPath, {completion: {promptLookup: "on"}}, defaultThreads, c));
            }
            if (baseline && model !== "2b") {
                engines.push(await ourServer("before, default", baseline, modelPath, {}, os.availableParallelism(), c));
                engines.push(await ourServer(`before -t ${defaultThreads}`, baseline, modelPath, {threads: defaultThreads}, defaultThreads, c));
            }
        }
        const peers = oursOnly ? [] : load ? [await peerServer(modelPath, cores)]
            : await Promise.all(Array.from({length: cores}, (_, i) => peerServer(modelPath, i + 1)));
        engines.push(...peers);
        // <bos> as the model's vocabulary says (our server adds it too).
        const bos = peers[0] && (await post(peers[0].port, "/tokenize", {content: "", add_special: true}) as {tokens: number[]}).tokens[0];
        if (load) spin.push(spawn(process.execPath, ["-e", "for(;;){}"], {stdio: "ignore"}));
        const peerSet = new Set<Engine>(peers);
        const ours = engines.filter((e) => !peerSet.has(e));
        let k = 0;
        // Warm-up: the first request of each position pays for the whole prompt on every engine alike; it counts.
        for (const step of keystrokes(model, spec.positions * scale, spec.chars)) {
            step.bos = bos;
            // Our default server goes first (the llama-servers replay its prompt); the others in a rotating order.
            const rest: Engine[] = [...ours.slice(1), ...peers];
            const order = [ours[0], ...rest.slice(k % rest.length), ...rest.slice(0, k % rest.length)];
            k++;
            const got = new Map<Engine, Sample | undefined>();
            for (const e of order) got.set(e, await e.ask(step));
            // Only keystrokes where every engine did the work count, so that all medians are over the same requests.
            if ([...got.values()].every((s) => s)) for (const [e, s] of got) e.samples.push(s!);
        }
        const drafts = await Promise.all(ours.map(async (e) => (await e.metrics?.()) ?? undefined));
        return {model, load, cores, engines: engines.map((e, i) => summarize(e, drafts[i]))};
    } finally {
        for (const s of spin) s.kill("SIGKILL");
        for (const e of engines) await e.stop().catch(() => undefined);
    }
}

function summarize(e: Engine, m: CompletionMetrics | undefined) {
    const pick = (f: (s: Sample) => number | undefined) => median(e.samples.map(f).filter((v): v is number => v != null && Number.isFinite(v)));
    return {
        name: e.name, threads: e.threads, requests: e.samples.length,
        timeToSuggestionMs: pick((s) => s.ms), prefillTps: pick((s) => s.prefillTps), genTps: pick((s) => s.genTps),
        msPerToken: pick((s) => s.msPerToken),
        draft: m && m.draftValidated + m.draftRefuted > 0
            ? {validated: m.draftValidated, refuted: m.draftRefuted, used: m.draftUsed, generated: m.generatedTokens,
                acceptance: m.draftValidated / (m.draftValidated + m.draftRefuted)} : undefined
    };
}

type Summary = ReturnType<typeof summarize>;

function printTable(run: {model: string; load: boolean; engines: Summary[]}) {
    const peerAt = (t: number) => run.engines.find((e) => e.name === `llama-server -t ${t}`);
    const peerDefault = peerAt(cores);
    console.log(`\n${run.model}${run.load ? ", one core kept busy by another process" : ""} (${run.engines[0]?.requests} requests each)`);
    console.log("engine                    | time to suggestion | ÷ llama-server | prefill tok/s | gen tok/s | gen ÷ llama-server same -t | ms/token | draft acceptance");
    console.log("--------------------------|--------------------|----------------|---------------|-----------|----------------------------|----------|-----------------");
    for (const e of run.engines) {
        const same = peerAt(e.threads);
        const f = (v: number, d = 0) => Number.isFinite(v) ? v.toFixed(d) : "-";
        console.log(`${e.name.padEnd(26)}| ${`${f(e.timeToSuggestionMs, 1)} ms`.padStart(18)} | ${f(e.timeToSuggestionMs / (peerDefault?.timeToSuggestionMs ?? NaN), 2).padStart(14)} | `
            + `${f(e.prefillTps).padStart(13)} | ${f(e.genTps).padStart(9)} | ${f(e.genTps / (same?.genTps ?? NaN), 2).padStart(26)} | `
            + `${f(e.msPerToken, 2).padStart(8)} | ${e.draft ? `${(100 * e.draft.acceptance).toFixed(0)} % (${e.draft.used} used of ${e.draft.generated})` : "-"}`);
    }
}

async function main() {
    console.log(`machine: ${os.cpus()[0]?.model}, ${os.availableParallelism()} logical CPUs, ${cores} physical cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`our default thread count (engine/local/threadPolicy.ts): ${defaultThreads}`);
    const runs = [];
    for (const model of models) {
        if (!MODELS[model]) throw new Error(`unknown model "${model}"; known: ${Object.keys(MODELS).join(", ")}`);
        const run = await runModel(model, false);
        printTable(run);
        runs.push(run);
    }
    if (hasFlag("--load")) {
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
