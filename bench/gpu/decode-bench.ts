// Decode throughput and time to first token of the language server, driven over LSP like any client:
//   node out/bench/gpu/decode-bench.js --model FILE [--gpu auto|cuda|cpu] [--prompt-tokens 2048]
//        [--gen-tokens 128] [--runs 3] [--out FILE]
//
// 1. Completion path (textDocument/inlineCompletion): a ~2k-token prompt (the completion prompt budget is set
//    sized for --prompt-tokens), the cursor after a line that opens a block (multi-line), completion.maxTokens raised
//    to --gen-tokens. The server measures it itself: gemma/completionStats gives generated tokens and
//    tokens/s of the generation loop (prefill excluded), gemma/completionTraces the prompt size and reuse.
//    Run 1 is cold; later runs change only the last line, so they generate after ~2k cached tokens.
// 2. Chat path (gemma/chat, streamed with $/progress): a prompt of about --prompt-tokens tokens that shares
//    nothing with the previous one but the instructions (cold prefill), chat.maxTokens = --gen-tokens.
//    Time to first token = request sent → first streamed text; decode = streamed pieces / time between the
//    first and the last piece (one piece per token, except the rare tokens that end inside a character,
//    which only make the figure lower).
// Both run on the server's own settings (flash attention, swaFullCache, two sequences): what users get.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {ProgressType} from "vscode-jsonrpc/node";
import {ServerProcess} from "../../common/serverProcess";
import type {ChatResult, CompletionStats, CompletionTrace, ServerState} from "../../protocol/lsp";
import {arg, intArg, median} from "../cliArgs";
import {CORPUS_FILES} from "../corpus";

const root = path.resolve(__dirname, "../../..");
const modelArg = arg("--model") ?? process.env.GEMMA_CODE_MODEL;
const gpu = (arg("--gpu") ?? "auto") as "auto" | "cuda" | "cpu";
const promptTokens = intArg("--prompt-tokens", 2048, 1);
const genTokens = intArg("--gen-tokens", 128, 1);
const runs = intArg("--runs", 3, 1);
const outFile = arg("--out") ?? path.join(root, "bench/.out", `decode-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

const round = (v: number, digits = 1) => Number.isFinite(v) ? Number(v.toFixed(digits)) : null;

/** Code text from the benchmark corpus (real JavaScript nobody here wrote), long enough for any prompt. */
function codeText(): string {
    const parts: string[] = [];
    for (const {file} of CORPUS_FILES.filter((f) => f.languageId === "javascript")) {
        const full = path.join(root, file);
        if (fs.existsSync(full)) parts.push(fs.readFileSync(full, "utf8"));
    }
    if (parts.length === 0) throw new Error(`no corpus file found under ${root}/node_modules (see bench/corpus.ts)`);
    let text = parts.join("\n");
    while (text.length < promptTokens * 12) text += "\n" + text;
    return text;
}

interface CompletionRun {
    run: number;
    promptTokens: number;
    reusedTokens: number;
    generatedTokens: number;
    /** Server-measured tokens/s of the generation loop, prefill excluded. */
    tokensPerSecond: number;
    latencyMs: number;
}

interface ChatRun {
    run: number;
    promptTokensEstimated: number;
    timeToFirstTokenMs: number;
    pieces: number;
    decodeTokensPerSecond: number;
    totalMs: number;
    replyChars: number;
}

async function main() {
    if (!modelArg) throw new Error("--model FILE is required");
    const modelPath = path.resolve(modelArg);
    if (!fs.existsSync(modelPath)) throw new Error(`model ${modelPath} not found`);
    const code = codeText();

    const {server} = await ServerProcess.start({
        serverPath: path.join(root, "dist/server.js"), clientName: "gemma-code-decode-bench", env: {GEMMA_CODE_TRACE: "1"},
        initializationOptions: {settings: {
            modelPath, gpu,
            chat: {maxTokens: genTokens},
            // The prefix gets 60 % of the completion budget (language-server/completion/prompt.ts) and the
            // suffix is empty here, so this budget gives a prompt of about --prompt-tokens.
            completion: {enabled: true, maxTokens: genTokens, promptTokens: Math.ceil(promptTokens / 0.6), promptStyle: "auto", debounceMs: 0}
        }}
    });
    const stats: CompletionStats[] = [];
    server.connection.onNotification("gemma/completionStats", (s: CompletionStats) => void stats.push(s));
    const ready: ServerState = await server.waitForState((s) => s.status === "ready" || s.status === "error");
    if (ready.status !== "ready") throw new Error(`server did not load the model: ${ready.message}\n${server.stderr.join("").slice(-4000)}`);
    console.log(`server ready: ${ready.backend} ${ready.devices?.join(", ") ?? ""}, ${ready.gpuLayers} GPU layers, `
        + `context ${ready.contextSize}, loaded in ${ready.loadMs} ms`);

    // Streams one chat request; resolves with the reply and the arrival time of every streamed piece.
    let tokenCounter = 0;
    const chat = async (content: string) => {
        const partialResultToken = `decode-bench-${++tokenCounter}`;
        const arrivals: number[] = [];
        const progress = server.connection.onProgress(new ProgressType<string>(), partialResultToken, () => void arrivals.push(performance.now()));
        const sent = performance.now();
        try {
            const result = await server.connection.sendRequest<ChatResult>("gemma/chat",
                {messages: [{role: "user", content}], partialResultToken});
            return {result, sent, arrivals, done: performance.now()};
        } finally {
            progress.dispose();
        }
    };

    // Warm-up: the first evaluation on a fresh context pays one-time costs (kernels, graphs, allocations).
    await chat("Say hello.");

    // 1. Completion path.
    const completionRuns: CompletionRun[] = [];
    const lines = code.split("\n");
    for (let run = 1; run <= runs; run++) {
        // Same document, only its last line differs between runs: the ~2k tokens before it stay cached after
        // run 1 (the file name is part of the prompt's first line, so it must not change either).
        const uri = "file:///decode-bench/target.js";
        const text = `${lines.join("\n")}\nfunction decodeBenchTarget${run}(values, options) {`;
        await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri, languageId: "javascript", version: 1, text}});
        const last = text.split("\n");
        const position = {line: last.length - 1, character: last[last.length - 1].length};
        const before = stats.length;
        await server.connection.sendRequest("textDocument/inlineCompletion", {textDocument: {uri}, position, context: {triggerKind: 1}});
        // The stats notification is sent just before the answer; give it a moment in case it is behind.
        for (let i = 0; i < 50 && stats.length === before; i++) await new Promise((r) => setTimeout(r, 10));
        const s = stats[before];
        await server.connection.sendNotification("textDocument/didClose", {textDocument: {uri}});
        if (!s) {
            console.log(`completion run ${run}: no stats (answered from a cache?)`);
            continue;
        }
        completionRuns.push({run, promptTokens: s.promptTokens, reusedTokens: s.reusedTokens, generatedTokens: s.generatedTokens,
            tokensPerSecond: s.tokensPerSecond, latencyMs: s.latencyMs});
        console.log(`completion run ${run}: ${s.promptTokens} prompt tokens (${s.reusedTokens} reused), ${s.generatedTokens} generated `
            + `at ${s.tokensPerSecond} tok/s, ${s.latencyMs} ms`);
    }
    const traces = await server.connection.sendRequest<CompletionTrace[]>("gemma/completionTraces");
    // Characters per token of this code under this model's tokenizer, to size the chat prompt.
    const calib = traces.find((t) => !t.aborted && t.promptTokens > 0);
    const charsPerToken = calib ? calib.prompt.reduce((n, p) => n + p.text.length, 0) / calib.promptTokens : 3;

    // 2. Chat path: a fresh prompt each time (the run number and time come first, so only the instructions are reused).
    const chatRuns: ChatRun[] = [];
    const instructionTokens = 60;
    const codeChars = Math.max(0, Math.round((promptTokens - instructionTokens) * charsPerToken));
    for (let run = 1; run <= runs; run++) {
        const head = `Request ${run} at ${new Date().toISOString()}: explain what this JavaScript does.\n\n\`\`\`js\n`;
        const content = `${head}${code.slice(run * 977, run * 977 + codeChars)}\n\`\`\``;
        const r = await chat(content);
        const first = r.arrivals[0];
        const lastAt = r.arrivals[r.arrivals.length - 1];
        const row: ChatRun = {
            run, promptTokensEstimated: Math.round(content.length / charsPerToken + instructionTokens),
            timeToFirstTokenMs: first !== undefined ? first - r.sent : NaN,
            pieces: r.arrivals.length,
            decodeTokensPerSecond: r.arrivals.length > 1 ? (r.arrivals.length - 1) / ((lastAt - first) / 1000) : NaN,
            totalMs: r.done - r.sent,
            replyChars: r.result.content.length
        };
        chatRuns.push(row);
        console.log(`chat run ${run}: ~${row.promptTokensEstimated} prompt tokens, first token after ${row.timeToFirstTokenMs.toFixed(0)} ms, `
            + `${row.pieces} pieces at ${row.decodeTokensPerSecond.toFixed(1)} tok/s, ${row.totalMs.toFixed(0)} ms in all`);
    }
    await server.shutdown();

    // Runs that generated too little say nothing about decode speed.
    const usableCompletion = completionRuns.filter((r) => r.generatedTokens >= 16);
    const warmCompletion = usableCompletion.filter((r) => r.reusedTokens > r.promptTokens / 2);
    const usableChat = chatRuns.filter((r) => r.pieces >= 16);
    const result = {
        date: new Date().toISOString(),
        machine: {cpus: os.cpus().length, cpu: os.cpus()[0]?.model, backend: ready.backend, devices: ready.devices,
            gpuLayers: ready.gpuLayers, contextSize: ready.contextSize, loadMs: ready.loadMs},
        model: path.basename(modelPath),
        settings: {gpu, promptTokens, genTokens, runs},
        completion: {
            runs: completionRuns,
            decodeTokensPerSecond: round(median((warmCompletion.length ? warmCompletion : usableCompletion).map((r) => r.tokensPerSecond))),
            generatedTokens: completionRuns.reduce((n, r) => n + r.generatedTokens, 0),
            coldLatencyMs: completionRuns[0]?.reusedTokens === 0 ? completionRuns[0].latencyMs : null
        },
        chat: {
            runs: chatRuns.map((r) => ({...r, timeToFirstTokenMs: round(r.timeToFirstTokenMs), decodeTokensPerSecond: round(r.decodeTokensPerSecond),
                totalMs: round(r.totalMs)})),
            charsPerToken: round(charsPerToken, 3),
            timeToFirstTokenMs: round(median(chatRuns.map((r) => r.timeToFirstTokenMs).filter(Number.isFinite))),
            decodeTokensPerSecond: round(median(usableChat.map((r) => r.decodeTokensPerSecond)))
        }
    };
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify(result, null, 2));
    console.log(`\ndecode, completion path (server-measured): ${result.completion.decodeTokensPerSecond} tok/s `
        + `(${result.completion.generatedTokens} tokens in ${completionRuns.length} runs)`);
    console.log(`decode, chat path (streamed): ${result.chat.decodeTokensPerSecond} tok/s; `
        + `time to first token, ~${promptTokens}-token prompt: ${result.chat.timeToFirstTokenMs} ms`);
    console.log(`JSON: ${outFile}`);
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
