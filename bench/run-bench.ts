// `npm run bench [-- --model FILE] [--quick] [--threads N] [--out FILE]`: completion benchmark on real code.
//   1. Keystroke replay: at cursor positions in real source files, type the next characters one by one at a
//      human pace, with the extension's adaptive debounce and VS Code's cancel-the-previous-request behaviour.
//   2. Burst: 20 keystrokes 80 ms apart, a request on each, no debounce (the worst case for "latest wins").
//   3. Bare engine: every request the server answered is replayed on node-llama-cpp directly (same prompt
//      tokens, same KV prefix, same number of generated tokens) after the server has exited, so the ratio
//      server ÷ bare is the server's overhead measured in the same run.
//   4. Quality: exact match and edit similarity on masked lines and blocks.
// Prints a table and writes JSON (bench/.out/ by default). Numbers are ratios where timed, except on a GPU.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {CancellationTokenSource} from "vscode-jsonrpc/node";
import {ServerProcess} from "../common/serverProcess";
import type {CompletionMetrics, CompletionTrace} from "../protocol/lsp";
import {AdaptiveDebounce} from "../language-server/completion/debounce";
import {flashAttentionFor} from "../language-server/engine/local/flashAttention";
import {arg, hasFlag} from "./cliArgs";
import {loadCorpus, pickLines, rng} from "./corpus";
import {runQuality} from "./quality";

const root = path.resolve(__dirname, "../..");
const quick = hasFlag("--quick");
// CPU threads for the server and the bare engine alike (0 = the server's default: all cores).
const threads = Number(arg("--threads") ?? 0);
const modelPath = path.resolve(arg("--model") ?? process.env.GEMMA_CODE_MODEL ?? path.join(root, "test/.models/tiny-gemma2.gguf"));
const outFile = arg("--out") ?? path.join(root, "bench/.out", `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const percentile = (values: number[], p: number) => {
    if (values.length === 0) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
};

interface Replay {
    timeToSuggestionMs: number[];
    requests: number;
    answered: number;
    cancelledByClient: number;
}

/** Types into one document the way a user does, asking for completions like VS Code with our middleware. */
async function typeAt(server: ServerProcess, uri: string, version: number, line: number, col: number, chars: string,
                      pace: () => number, out: Replay): Promise<number> {
    const debounce = new AdaptiveDebounce(() => 150);
    let pending: {timer?: NodeJS.Timeout; cancel: CancellationTokenSource; done: Promise<void>} | undefined;
    for (let i = 0; i < chars.length; i++) {
        await sleep(pace());
        await server.connection.sendNotification("textDocument/didChange", {
            textDocument: {uri, version: version++},
            contentChanges: [{range: {start: {line, character: col + i}, end: {line, character: col + i}}, text: chars[i]}]
        });
        const keystrokeAt = performance.now();
        // VS Code cancels the previous inline completion request on every change.
        if (pending) {
            clearTimeout(pending.timer);
            pending.cancel.cancel();
        }
        const cancel = new CancellationTokenSource();
        const position = {line, character: col + i + 1};
        let resolveDone!: () => void;
        const done = new Promise<void>((r) => (resolveDone = r));
        const timer = setTimeout(() => {
            out.requests++;
            server.connection.sendRequest<{items: unknown[]}>("textDocument/inlineCompletion",
                {textDocument: {uri}, position, context: {triggerKind: 1}}, cancel.token)
                .then((r) => {
                    if (cancel.token.isCancellationRequested) return;
                    out.answered++;
                    if (r?.items?.length) out.timeToSuggestionMs.push(performance.now() - keystrokeAt);
                }, () => void out.cancelledByClient++)
                .finally(resolveDone);
        }, debounce.next());
        pending = {timer, cancel, done};
    }
    await pending?.done;
    return version;
}

async function main() {
    if (!fs.existsSync(modelPath)) throw new Error(`model ${modelPath} not found (generate the tiny one with: node scripts/make-gguf.mjs --out ${modelPath})`);
    const corpus = loadCorpus(root);
    const positionsPerFile = quick ? 2 : 6;
    const charsPerPosition = quick ? 6 : 12;
    console.log(`model: ${modelPath}\ncorpus: ${corpus.length} files, ${positionsPerFile} positions each, ${charsPerPosition} characters typed per position`);

    const {server} = await ServerProcess.start({
        serverPath: path.join(root, "dist/server.js"), clientName: "gemma-code-bench", env: {GEMMA_CODE_TRACE: "1"},
        // The server's debounce off: the replay waits like a client (AdaptiveDebounce below), the burst not at all.
        initializationOptions: {settings: {modelPath, threads, completion: {debounceMs: 0}}}
    });
    const ready = await server.waitForState((s) => s.status === "ready" || s.status === "error");
    if (ready.status !== "ready") throw new Error(ready.message);
    console.log(`server ready: ${ready.backend} ${ready.devices?.join(", ") ?? ""}, ${ready.gpuLayers} GPU layers, loaded in ${ready.loadMs} ms, threads: ${threads || os.availableParallelism()}`);
    const metrics = () => server.connection.sendRequest<CompletionMetrics>("gemma/completionMetrics");

    // 1. Keystroke replay.
    const replay: Replay = {timeToSuggestionMs: [], requests: 0, answered: 0, cancelledByClient: 0};
    const pace = (() => {
        const r = rng(42);
        return () => 60 + Math.floor(r() * 80); // 60-140 ms between keys: a quick but human typist
    })();
    const m0 = await metrics();
    // One document per file, as a user moves through it: at each position the rest of the line is removed, the
    // next characters are typed, then the line is put back as it was.
    for (const file of corpus) {
        const uri = `${file.uri}#replay`;
        await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId: file.languageId, version: 1, text: file.lines.join("\n")}});
        let version = 2;
        const edit = (line: number, start: number, end: number, text: string) => server.connection.sendNotification("textDocument/didChange", {
            textDocument: {uri, version: version++}, contentChanges: [{range: {start: {line, character: start}, end: {line, character: end}}, text}]
        });
        for (const line of pickLines(file.lines, positionsPerFile)) {
            const text = file.lines[line];
            const col = /^\s*/.exec(text)![0].length + 2;
            const typed = text.slice(col, col + charsPerPosition);
            await edit(line, col, text.length, "");
            version = await typeAt(server, uri, version, line, col, typed, pace, replay);
            await edit(line, col + typed.length, col + typed.length, text.slice(col + typed.length));
        }
        await server.connection.sendNotification("textDocument/didClose", {textDocument: {uri}});
    }
    const m1 = await metrics();

    // 2. Burst: 20 keystrokes at 80 ms, a request on each, every new one cancelling the previous.
    const burstFile = corpus[0];
    const burstLine = pickLines(burstFile.lines, 1)[0];
    const burstUri = `${burstFile.uri}#burst`;
    const burstDoc = [...burstFile.lines.slice(0, burstLine), "", ...burstFile.lines.slice(burstLine)].join("\n");
    await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: burstUri, languageId: burstFile.languageId, version: 1, text: burstDoc}});
    const burstText = "const result = compute";
    let runningAfterBurst = 0;
    {
        let previous: CancellationTokenSource | undefined;
        const answers: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
            await server.connection.sendNotification("textDocument/didChange", {textDocument: {uri: burstUri, version: i + 2},
                contentChanges: [{range: {start: {line: burstLine, character: i}, end: {line: burstLine, character: i}}, text: burstText[i] ?? "x"}]});
            previous?.cancel();
            previous = new CancellationTokenSource();
            answers.push(server.connection.sendRequest("textDocument/inlineCompletion",
                {textDocument: {uri: burstUri}, position: {line: burstLine, character: i + 1}, context: {triggerKind: 1}}, previous.token).catch(() => undefined));
            await sleep(80);
        }
        runningAfterBurst = (await metrics()).running;
        await Promise.all(answers);
    }
    const m2 = await metrics();

    // 4. Quality (before the server goes).
    const quality = await runQuality(server, corpus, quick ? 1 : 3);
    const traces = await server.connection.sendRequest<CompletionTrace[]>("gemma/completionTraces");
    await server.shutdown();

    // 3. Bare engine on the same prompts, with the server gone (same cores for both).
    const bare = await replayOnBareEngine(modelPath, traces.filter((t) => !t.aborted && t.generatedTokens > 0));

    const replayRuns = m1.modelRuns - m0.modelRuns;
    const result = {
        date: new Date().toISOString(),
        machine: {cpus: os.cpus().length, cpu: os.cpus()[0]?.model, backend: ready.backend, devices: ready.devices},
        model: path.basename(modelPath),
        threads: threads || os.availableParallelism(),
        keystrokeReplay: {
            positions: corpus.length * positionsPerFile, keystrokes: corpus.length * positionsPerFile * charsPerPosition,
            requestsSent: replay.requests, answered: replay.answered, cancelledByClient: replay.cancelledByClient,
            timeToSuggestionP50Ms: percentile(replay.timeToSuggestionMs, 50), timeToSuggestionP95Ms: percentile(replay.timeToSuggestionMs, 95),
            suggestionsShown: replay.timeToSuggestionMs.length,
            promptTokensReusedPct: 100 * (m1.reusedTokens - m0.reusedTokens) / Math.max(1, m1.promptTokens - m0.promptTokens),
            cacheHitsPct: 100 * (m1.cacheHits - m0.cacheHits) / Math.max(1, m1.requests - m0.requests),
            modelRuns: replayRuns,
            tokensForSupersededRequests: m1.tokensForDiscarded - m0.tokensForDiscarded,
            tokensAfterAbort: m1.tokensAfterAbort - m0.tokensAfterAbort
        },
        burst20At80ms: {
            requests: 20, runningRightAfterBurst: runningAfterBurst, maxRunning: m2.maxRunning,
            modelRuns: m2.modelRuns - m1.modelRuns, superseded: m2.superseded - m1.superseded, cancelled: m2.cancelled - m1.cancelled,
            tokensForSupersededRequests: m2.tokensForDiscarded - m1.tokensForDiscarded, tokensAfterAbort: m2.tokensAfterAbort - m1.tokensAfterAbort
        },
        serverVsBare: bare,
        quality: quality.score
    };
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify({...result, qualityCases: quality.cases}, null, 2));
    printTable(result);
    console.log(`\nJSON: ${outFile}`);
}

/** Replays answered requests on node-llama-cpp directly: same tokens, same reused prefix, same output length. */
async function replayOnBareEngine(model: string, traces: CompletionTrace[]) {
    const {getLlama} = await import("node-llama-cpp");
    const llama = await getLlama({gpu: "auto", maxThreads: threads || os.availableParallelism(), build: "never", logLevel: "error" as never});
    const m = await llama.loadModel({modelPath: model, gpuLayers: "auto"});
    const ctx = await m.createContext({contextSize: {min: 2048, max: 8192}, flashAttention: flashAttentionFor(m), swaFullCache: true});
    const seq = ctx.getSequence();
    let bareMs = 0, serverMs = 0, engineMs = 0, tokensGenerated = 0, promptEvaluated = 0;
    for (const t of traces) {
        const tokens = [...(m.tokens.bos != null ? [m.tokens.bos] : []), ...t.prompt.flatMap((p) => m.tokenize(p.text, p.special))];
        await seq.clearHistory();
        if (t.reusedTokens > 0) await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(0, t.reusedTokens));
        const started = performance.now();
        let n = 0;
        for await (const _ of seq.evaluate(tokens.slice(t.reusedTokens), {temperature: 0})) {
            if (++n >= t.generatedTokens) break;
        }
        bareMs += performance.now() - started;
        serverMs += t.latencyMs;
        engineMs += t.engineMs;
        tokensGenerated += n;
        promptEvaluated += tokens.length - t.reusedTokens;
    }
    await ctx.dispose();
    await m.dispose();
    return {requests: traces.length, serverMs: Math.round(serverMs), bareMs: Math.round(bareMs),
        ratio: bareMs > 0 ? serverMs / bareMs : NaN,
        // The same overhead measured inside the server, at the same moment: request time ÷ node-llama-cpp time.
        inServerRatio: engineMs > 0 ? serverMs / engineMs : NaN,
        promptTokensEvaluated: promptEvaluated, tokensGenerated};
}

function printTable(r: {keystrokeReplay: Record<string, number>; burst20At80ms: Record<string, number>;
    serverVsBare: Record<string, number>; quality: {cases: number; exactMatch: {value: number}; editSimilarity: {value: number}}}) {
    const k = r.keystrokeReplay, b = r.burst20At80ms, s = r.serverVsBare, q = r.quality;
    const rows: [string, string][] = [
        ["keystroke replay: time to suggestion p50 / p95", `${k.timeToSuggestionP50Ms?.toFixed(0)} / ${k.timeToSuggestionP95Ms?.toFixed(0)} ms (debounce included)`],
        ["  keystrokes / requests sent / suggestions shown", `${k.keystrokes} / ${k.requestsSent} / ${k.suggestionsShown}`],
        ["  prompt tokens reused", `${k.promptTokensReusedPct.toFixed(1)} %`],
        ["  cache hits (exact spot or typed-ahead)", `${k.cacheHitsPct.toFixed(1)} %`],
        ["  tokens generated for superseded requests", `${k.tokensForSupersededRequests} (of which after the abort: ${k.tokensAfterAbort})`],
        ["burst of 20 keys at 80 ms: running right after / max ever", `${b.runningRightAfterBurst} / ${b.maxRunning}`],
        ["  model runs / superseded+cancelled", `${b.modelRuns} / ${b.superseded + b.cancelled}`],
        ["  tokens for superseded requests (after abort)", `${b.tokensForSupersededRequests} (${b.tokensAfterAbort})`],
        ["server ÷ bare node-llama-cpp, same prompts", `${s.ratio.toFixed(3)} (${s.requests} requests, ${s.serverMs} vs ${s.bareMs} ms)`],
        ["  request time ÷ node-llama-cpp time inside the server", s.inServerRatio.toFixed(3)],
        ["quality: exact match / edit similarity", `${(100 * q.exactMatch.value).toFixed(1)} % / ${q.editSimilarity.value.toFixed(3)} (${q.cases} cases)`]
    ];
    const w = Math.max(...rows.map(([a]) => a.length));
    console.log(`\n${"metric".padEnd(w)} | value\n${"-".repeat(w)}-|-${"-".repeat(40)}`);
    for (const [a, v] of rows) console.log(`${a.padEnd(w)} | ${v}`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
