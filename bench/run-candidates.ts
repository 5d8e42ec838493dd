// What the 2nd and 3rd candidates cost the first: at fixed spots of real source files, ask for a suggestion (the
// first answer), then type one more character shortly after, while the background run for the other candidates may
// still be generating, and ask again (the next first answer, which must abort that run). The same spots are measured
// with completion.candidates 1 and 3, alternating spot by spot in the same run, and compared as ratios of medians.
//   node esbuild.mjs && node out/bench/run-candidates.js [--model FILE] [--spots N] [--gap-ms N]
import fs from "node:fs";
import path from "node:path";
import {ServerProcess} from "../common/serverProcess";
import type {CompletionMetrics} from "../protocol/lsp";
import {arg, intArg, median} from "./cliArgs";
import {loadCorpus, pickLines} from "./corpus";

const root = path.resolve(__dirname, "../..");
const modelPath = arg("--model") ?? path.join(root, "test/.models/tiny-gemma2.gguf");
const spotsPerFile = intArg("--spots", 4, 1);
const gapMs = intArg("--gap-ms", 100, 0);

type Sample = {first: number; next: number};

async function main() {
    const corpus = loadCorpus(root);
    // One server (one model, one machine load) whose setting is switched spot by spot.
    const {server} = await ServerProcess.start({serverPath: path.join(root, "dist/server.js"), cwd: root, clientName: "bench-candidates",
        initializationOptions: {settings: {modelPath, completion: {debounceMs: 0}}}});
    await server.waitForState((s) => s.status === "ready");
    const samples: Record<number, Sample[]> = {0: [], 1: [], 3: []};
    let version = 1;
    for (const file of corpus) {
        await server.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: file.uri, languageId: file.languageId, version, text: file.lines.join("\n")}});
        for (const line of pickLines(file.lines, spotsPerFile)) {
            const text = file.lines[line];
            const col = Math.floor(text.length / 2);
            // A warm-up at the spot, so both settings are measured with the prompt prefix in the KV cache (only the
            // first would have it cold otherwise); each settings change empties the suggestion cache.
            for (const candidates of [0, 1, 3]) {
                await server.connection.sendNotification("workspace/didChangeConfiguration",
                    {settings: {gemmaCode: {completion: {candidates: candidates || 3}}}});
                const lines = [...file.lines];
                lines[line] = text.slice(0, col);
                version++;
                await server.connection.sendNotification("textDocument/didChange", {textDocument: {uri: file.uri, version}, contentChanges: [{text: lines.join("\n")}]});
                const ask = async () => {
                    const t = performance.now();
                    await server.connection.sendRequest("textDocument/inlineCompletion",
                        {textDocument: {uri: file.uri}, position: {line, character: lines[line].length}, context: {triggerKind: 2}});
                    return performance.now() - t;
                };
                if (candidates === 0) {
                    await ask();
                    await server.connection.sendRequest("textDocument/inlineCompletion",
                        {textDocument: {uri: file.uri}, position: {line, character: lines[line].length}, context: {triggerKind: 1}});
                    continue;
                }
                const first = await ask();
                // The next keystroke, typed while the other candidates are being generated.
                await new Promise((r) => setTimeout(r, gapMs));
                lines[line] = text.slice(0, col) + "\u00a7";
                version++;
                await server.connection.sendNotification("textDocument/didChange", {textDocument: {uri: file.uri, version}, contentChanges: [{text: lines.join("\n")}]});
                samples[candidates].push({first, next: await ask()});
                // Let this spot's background run end (an explicit request waits for it), so that it does not slow the
                // other setting's next measurement.
                await server.connection.sendRequest("textDocument/inlineCompletion",
                    {textDocument: {uri: file.uri}, position: {line, character: lines[line].length}, context: {triggerKind: 1}});
            }
        }
    }
    const metrics = await server.connection.sendRequest<CompletionMetrics>("gemma/completionMetrics");
    await server.shutdown();

    const med = (c: number, k: keyof Sample) => median(samples[c].map((s) => s[k]));
    const rows = [
        ["first answer at a spot, median ms", med(1, "first"), med(3, "first")],
        ["next keystroke's answer (aborts the run), median ms", med(1, "next"), med(3, "next")]
    ] as const;
    console.log(`model ${path.basename(modelPath)}, ${samples[1].length} spots, next key ${gapMs} ms after the answer`);
    console.log("| | candidates 1 | candidates 3 | ratio 3 ÷ 1 |\n|---|---|---|---|");
    for (const [name, a, b] of rows) console.log(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(3)} |`);
    console.log(`background runs ${metrics.candidateRuns}, aborted by the next key ${metrics.candidateRunsAborted}, extra candidates found ${metrics.extraCandidates}`);
    const out = path.join(root, "bench/.out");
    fs.mkdirSync(out, {recursive: true});
    fs.writeFileSync(path.join(out, `candidates-${Date.now()}.json`), JSON.stringify({modelPath, gapMs, samples, metrics,
        ratios: {first: med(3, "first") / med(1, "first"), next: med(3, "next") / med(1, "next")}}, null, 2));
}

main().then(() => process.exit(0), (e) => {
    console.error(e);
    process.exit(1);
});
