// Reads what bench/gpu/run.sh wrote (llama-bench JSON, decode-bench, speculative and run-bench JSON, step timings),
// prints the table and writes summary.json next to them.
//   node bench/gpu/summarize.mjs --dir RESULTS [--mode cuda|cpu] [--model FILE]
import fs from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
};
const dir = path.resolve(arg("--dir", "."));
const mode = arg("--mode", "cuda");
const modelPath = arg("--model");
const read = (name) => {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return undefined;
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        console.error(`summarize: ${name} is not valid JSON (${error.message})`);
        return undefined;
    }
};

// Targets of issue #7 (on the H100).
const TARGETS = {decodeVsTg128: 0.95, replayP50Ms: 120, replayP95Ms: 250};

const llamaRows = [...(read("llama-bench.json") ?? []), ...(read("llama-bench-depth.json") ?? [])];
const lb = (p, n, d = 0) => llamaRows.find((r) => r.n_prompt === p && r.n_gen === n && (r.n_depth ?? 0) === d)?.avg_ts;
const baseline = {pp512: lb(512, 0), pp2048: lb(2048, 0), tg128: lb(0, 128), tg128AtDepth2048: lb(0, 128, 2048)};
const decode = read("decode.json");
const replay = read("replay.json");
const spec = read("speculative.json");
const timings = read("timings.json") ?? {};
const gpuLine = fs.existsSync(path.join(dir, "gpu.txt")) ? fs.readFileSync(path.join(dir, "gpu.txt"), "utf8").split("\n")[0].trim() : undefined;
const first = llamaRows[0];

const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? a / b : undefined);
const completionDecode = decode?.completion?.decodeTokensPerSecond ?? undefined;
const chatDecode = decode?.chat?.decodeTokensPerSecond ?? undefined;
const k = replay?.keystrokeReplay;
const checks = {
    decodeVsTg128: ratio(completionDecode, baseline.tg128),
    decodeVsTg128AtDepth2048: ratio(completionDecode, baseline.tg128AtDepth2048),
    chatDecodeVsTg128: ratio(chatDecode, baseline.tg128),
    chatDecodeVsTg128AtDepth2048: ratio(chatDecode, baseline.tg128AtDepth2048)
};
// The targets are for the H100: a CPU rehearsal is not judged.
const pass = (ok) => (ok === undefined || mode !== "cuda" ? "n/a" : ok ? "PASS" : "FAIL");
const verdicts = {
    decode: pass(checks.decodeVsTg128 === undefined ? undefined : checks.decodeVsTg128 >= TARGETS.decodeVsTg128),
    replayP50: pass(typeof k?.timeToSuggestionP50Ms === "number" ? k.timeToSuggestionP50Ms <= TARGETS.replayP50Ms : undefined),
    replayP95: pass(typeof k?.timeToSuggestionP95Ms === "number" ? k.timeToSuggestionP95Ms <= TARGETS.replayP95Ms : undefined)
};

const summary = {
    date: new Date().toISOString(),
    mode,
    machine: {gpu: gpuLine, cpu: first?.cpu_info, llamaCppBackend: first?.backends, llamaCppCommit: first?.build_commit,
        server: decode?.machine ?? replay?.machine},
    model: modelPath ? {file: path.basename(modelPath), bytes: fs.existsSync(modelPath) ? fs.statSync(modelPath).size : undefined,
        type: first?.model_type, params: first?.model_n_params} : undefined,
    llamaBench: {flashAttention: true, ...baseline, rows: llamaRows.map((r) => ({n_prompt: r.n_prompt, n_gen: r.n_gen, n_depth: r.n_depth,
        avg_ts: r.avg_ts, stddev_ts: r.stddev_ts}))},
    server: {
        decodeCompletionTokensPerSecond: completionDecode,
        decodeChatTokensPerSecond: chatDecode,
        timeToFirstTokenMs: decode?.chat?.timeToFirstTokenMs,
        promptTokens: decode?.completion?.runs?.[0]?.promptTokens,
        keystrokeReplayP50Ms: k?.timeToSuggestionP50Ms,
        keystrokeReplayP95Ms: k?.timeToSuggestionP95Ms,
        serverVsBare: replay?.serverVsBare?.ratio
    },
    // Speculative decoding (bench/speculative.ts): costs per token, the formula's best k per acceptance rate, and the
    // end-to-end runs (random weights: "draft" accepts ~nothing, "self" ~everything).
    speculative: spec ? {verifier: spec.verifier?.file, draft: spec.draft?.file, costsMs: spec.costsMs, ratios: spec.ratios,
        bestPerAcceptance: spec.best, endToEnd: spec.e2e} : undefined,
    ratios: checks,
    targets: {...TARGETS, verdicts, note: mode === "cuda" ? "targets are for the H100" : "CPU rehearsal: the targets are for the H100 and do not apply"},
    timingsSeconds: timings
};
fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify(summary, null, 2));

const f = (v, digits = 1) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–");
const size = (bytes) => (typeof bytes !== "number" ? "?" : bytes >= 2 ** 30 ? `${f(bytes / 2 ** 30, 2)} GiB` : `${f(bytes / 2 ** 20, 1)} MiB`);
const target = (v) => (mode === "cuda" ? v : "not judged on the CPU (H100 targets)");
const rows = [
    ["model", `${summary.model?.file ?? "?"} (${summary.model?.type ?? "?"}, ${size(summary.model?.bytes)}), `
        + `${mode === "cuda" ? gpuLine ?? "GPU" : `CPU: ${first?.cpu_info ?? "?"}`}`],
    ["llama-bench pp512 / pp2048 (prompt t/s, FA on)", `${f(baseline.pp512)} / ${f(baseline.pp2048)}`],
    ["llama-bench tg128 / tg128 at depth 2048 (t/s)", `${f(baseline.tg128)} / ${f(baseline.tg128AtDepth2048)}`],
    ["server decode after ~2k prompt, completion path (tok/s)", `${f(completionDecode)}  = ${f(checks.decodeVsTg128, 3)} × tg128, ${f(checks.decodeVsTg128AtDepth2048, 3)} × tg128@d2048`],
    ["  target ≥ 0.95 × tg128", target(verdicts.decode)],
    ["server decode, chat path, streamed (tok/s)", `${f(chatDecode)}  = ${f(checks.chatDecodeVsTg128, 3)} × tg128, ${f(checks.chatDecodeVsTg128AtDepth2048, 3)} × tg128@d2048`],
    ["time to first token, ~2k-token prompt, chat (ms)", f(decode?.chat?.timeToFirstTokenMs, 0)],
    ["keystroke replay p50 / p95 (ms, debounce included)", `${f(k?.timeToSuggestionP50Ms, 0)} / ${f(k?.timeToSuggestionP95Ms, 0)}`],
    ["  target p50 ≤ 120, p95 ≤ 250", target(`${verdicts.replayP50} / ${verdicts.replayP95}`)],
    ["server ÷ bare node-llama-cpp, same prompts", f(replay?.serverVsBare?.ratio, 3)],
    ...speculativeRows(),
    ["steps (s)", Object.entries(timings).map(([name, s]) => `${name} ${s}`).join(", ")]
];
function speculativeRows() {
    if (!spec) return [["speculative decoding", "– (no speculative.json)"]];
    const c = spec.costsMs, r = spec.ratios;
    const e2e = (pick) => spec.e2e.filter(pick).map((x) => `${x.draft} ${x.mode}: ${f(x.measuredSpeedup, 2)}×`
        + `${x.formulaSpeedup != null ? ` (formula ${f(x.formulaSpeedup, 2)}×)` : ""}, a=${f(x.acceptance, 2)}`).join("; ") || "–";
    return [
        ["speculative: verifier T / draft D per token (ms)", `${f(c.T, 2)} / ${f(c.D, 2)}, D/T = ${f(r.DoverT, 3)} (${spec.verifier?.file} ← ${spec.draft?.file})`],
        ["  verifier batch of k+1 ÷ T, k = 1/2/4/8/16", Object.values(r.VoverT).map((v) => f(v, 2)).join(" / ")],
        ["  expected speedup at acceptance a (best k)", spec.best.map((b) => `${b.a}: ${f(b.speedup, 2)}× (${b.k})`).join(", ")],
        ["  end to end ÷ without draft, server's loop", e2e((x) => x.mode.startsWith("server"))],
        ["  same with node-llama-cpp's predictor", e2e((x) => x.mode.startsWith("nlc"))]
    ];
}
const w = Math.max(...rows.map(([a]) => a.length));
console.log(`\n${"Gemma Code GPU benchmark".padEnd(w)} | ${mode === "cuda" ? "CUDA" : "CPU rehearsal"}\n${"-".repeat(w)}-|-${"-".repeat(50)}`);
for (const [a, v] of rows) console.log(`${a.padEnd(w)} | ${v}`);
console.log(`\nJSON: ${path.join(dir, "summary.json")} (raw: llama-bench*.json, decode.json, speculative.json, replay.json; logs/)`);
