// `node out/bench/run-flash-attention.js [--models tiny,270m,2b,FILE.gguf] [--threads 1,2] [--rounds 5] [--prompt 300]
//   [--gen 32] [--fa on,off] [--loops bare,ours]`: bare node-llama-cpp (no server, no LSP), flash attention on and off, each thread count,
// contexts made as engine/local/modelHost.ts makes them (2 sequences, swaFullCache). Per round and configuration: the
// sequence is cleared, `--prompt` tokens of real code are prefilled, then `--gen` tokens generated greedily through
// sequence.evaluate (the product's loop, without its per-token work). The configurations take turns (the order
// rotates each round) so that each sees the same machine load. Prints medians: prefill tok/s and decode ms/token
// (after the first token, as llama-server counts it), and the ratio off ÷ on. This is what flashAttention.ts's rule
// comes from, and the bare node-llama-cpp figure that the per-token overhead of our server is measured against.
// `--loops bare,ours` also runs the product's generator (engine/local/generator.ts: detokenizing, stop scans, end
// tokens) on the same contexts, so that the difference per token is ours alone.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {LlamaContext, Token} from "node-llama-cpp";
import {loadNodeLlamaCpp} from "../language-server/engine/local/nodeLlamaCpp";
import {attentionHeadSize} from "../language-server/engine/local/flashAttention";
import {generate} from "../language-server/engine/local/generator";
import {repoRoot} from "../test/support/paths";
import {arg, intArg, median} from "./cliArgs";
import {loadCorpus} from "./corpus";

const NAMED: Record<string, string> = {
    tiny: path.join(repoRoot, "test/.models/tiny-gemma2.gguf"),
    "270m": path.join(os.homedir(), ".cache/gemma-code/models/gemma-3-270m-q4_k_m.gguf"),
    "2b": path.join(os.homedir(), ".cache/gemma-code/models/gemma2-2b-shaped.gguf")
};
const models = (arg("--models") ?? "tiny,270m").split(",").map((m) => NAMED[m] ?? m);
const threadCounts = (arg("--threads") ?? "1,2").split(",").map(Number);
const rounds = intArg("--rounds", 5, 1);
const promptTokens = intArg("--prompt", 300, 2);
const genTokens = intArg("--gen", 32, 2);
const modes = (arg("--fa") ?? "on,off").split(",").map((m) => m === "on");
const loops = (arg("--loops") ?? "bare").split(",") as ("bare" | "ours")[];

interface Config {fa: boolean; threads: number; loop: "bare" | "ours"; context: LlamaContext; prefillTps: number[]; msPerToken: number[]; outputs: Set<string>}

async function main() {
    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({gpu: false, maxThreads: Math.max(...threadCounts), build: "never", logLevel: "warn" as never});
    const code = loadCorpus(repoRoot).map((f) => f.lines.join("\n")).join("\n");
    // Which binary loaded: a local source build (node-llama-cpp picks it when its folder name, which includes the
    // NODE_LLAMA_CPP_CMAKE_OPTION_* options, matches) or the prebuilt package; the comparison is meaningless otherwise.
    let maps = "";
    try { maps = fs.readFileSync("/proc/self/maps", "utf8"); } catch { /* not Linux: the libraries are not listed */ }
    const ggmlLibs = [...new Set(maps.split("\n").map((l) => l.split(/\s+/)[5] ?? "").filter((f) => /libggml|llama-addon|libgomp/.test(f)))];
    console.log(`binary: ${llama.buildType}; cmake options ${JSON.stringify(llama.cmakeOptions)}\n  ${ggmlLibs.join("\n  ")}`);
    console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}; ${rounds} rounds, ${promptTokens}-token prompt, ${genTokens} generated`);
    for (const file of models) {
        const model = await llama.loadModel({modelPath: file});
        const prompt = [model.tokens.bos!, ...model.tokenize(code.slice(0, promptTokens * 8), false)].slice(0, promptTokens) as Token[];
        const configs: Config[] = [];
        for (const threads of threadCounts) {
            for (const fa of modes) {
                for (const loop of loops) {
                    const context = await model.createContext({contextSize: Math.min(8192, model.trainContextSize ?? 8192), sequences: 2,
                        threads, flashAttention: fa, swaFullCache: true});
                    configs.push({fa, threads, loop, context, prefillTps: [], msPerToken: [], outputs: new Set()});
                }
            }
        }
        const sequences = configs.map((c) => c.context.getSequence());
        for (let r = 0; r < rounds; r++) {
            for (let k = 0; k < configs.length; k++) {
                const i = (k + r) % configs.length;
                const c = configs[i], sequence = sequences[i];
                await sequence.clearHistory();
                if (c.loop === "ours") {
                    const r = await generate(sequence, prompt, {maxTokens: genTokens, signal: new AbortController().signal});
                    c.prefillTps.push((prompt.length - 1) / (r.prefillMs / 1000));
                    c.msPerToken.push((r.generateMs - (r.firstTokenMs ?? 0)) / (r.generatedTokens - 1));
                    c.outputs.add(sequence.contextTokens.slice(prompt.length).join(","));
                    continue;
                }
                const t0 = performance.now();
                await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
                c.prefillTps.push((prompt.length - 1) / ((performance.now() - t0) / 1000));
                const out: Token[] = [];
                let first = 0;
                for await (const token of sequence.evaluate(prompt.slice(-1), {temperature: 0})) {
                    if (out.length === 0) first = performance.now();
                    out.push(token);
                    if (out.length >= genTokens) break;
                }
                c.msPerToken.push((performance.now() - first) / (out.length - 1));
                c.outputs.add(out.join(","));
            }
        }
        console.log(`\n${path.basename(file)}: head size ${attentionHeadSize(model.fileInfo.metadata)}, load ${os.loadavg()[0].toFixed(2)}`);
        console.log("threads | flash attention | loop | prefill tok/s | decode ms/token | distinct outputs");
        for (const c of configs) {
            console.log(`${c.threads} | ${c.fa ? "on" : "off"} | ${c.loop} | ${median(c.prefillTps).toFixed(0)} | ${median(c.msPerToken).toFixed(2)} | ${c.outputs.size}`);
        }
        for (const threads of threadCounts) {
            const on = configs.find((c) => c.threads === threads && c.fa && c.loop === loops[0]);
            const off = configs.find((c) => c.threads === threads && !c.fa && c.loop === loops[0]);
            if (!on || !off) continue;
            const same = [...on.outputs].join() === [...off.outputs].join() ? "same tokens" : "tokens differ";
            console.log(`${threads} thread(s), off ÷ on: decode ms/token ${(median(off.msPerToken) / median(on.msPerToken)).toFixed(2)}x, `
                + `prefill tok/s ${(median(off.prefillTps) / median(on.prefillTps)).toFixed(2)}x (${same})`);
        }
        for (const c of configs.filter((x) => x.loop === "ours")) {
            const bare = configs.find((x) => x.loop === "bare" && x.threads === c.threads && x.fa === c.fa);
            if (bare) console.log(`${c.threads} thread(s), flash attention ${c.fa ? "on" : "off"}: ours − bare = `
                + `${(median(c.msPerToken) - median(bare.msPerToken)).toFixed(3)} ms/token`);
        }
        for (const c of configs) await c.context.dispose();
        await model.dispose();
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
