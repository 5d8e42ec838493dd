// The real model loaded the way the chat, language and review benches use it: `--model FILE` or Gemma 3 270M
// (scripts/fetch-real-model.sh), on the CPU with a fixed thread count, one sequence for the product's task
// generation (engine/local/chatGeneration.ts) with the context settings of engine/local/modelHost.ts.
import {execFileSync} from "node:child_process";
import path from "node:path";
import type {LoadedModel} from "../language-server/engine/local/modelHost";
import {flashAttentionFor} from "../language-server/engine/local/flashAttention";
import {loadNodeLlamaCpp} from "../language-server/engine/local/nodeLlamaCpp";
import {repoRoot} from "../test/support/paths";
import {arg} from "./cliArgs";

export async function loadTaskModel(threads: number) {
    const modelPath = arg("--model") ?? execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8"}).trim();
    const nlc = await loadNodeLlamaCpp();
    const llama = await nlc.getLlama({gpu: false, maxThreads: threads, build: "never", logLevel: "warn" as never});
    const model = await llama.loadModel({modelPath});
    const context = await model.createContext({contextSize: 4096, sequences: 1, threads, flashAttention: flashAttentionFor(model), swaFullCache: true});
    return {
        llama,
        model,
        loaded: {model, taskSequence: context.getSequence()} as unknown as LoadedModel,
        count: (s: string) => model.tokenize(s, false).length,
        dispose: async () => {
            await context.dispose();
            await model.dispose();
        }
    };
}
