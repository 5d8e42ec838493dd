// Bundles what the GPU benchmark runs into a staging folder, with the same esbuild options as esbuild.mjs:
//   dist/server.js (the language server), out/bench/run-bench.js (keystroke replay),
//   out/bench/gpu/decode-bench.js (decode throughput and time to first token over LSP), out/bench/speculative.js
//   (speculative decoding's costs on node-llama-cpp directly).
// Builds into its own folder so the repo's dist/ and out/ (which other work rebuilds) are left alone.
//   node bench/gpu/build.mjs STAGE_DIR
import * as esbuild from "esbuild";
import path from "node:path";
import {fileURLToPath} from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stage = path.resolve(process.argv[2] ?? path.join(root, "bench/gpu/.stage"));
const common = {
    bundle: true, sourcemap: "linked", minify: false, logLevel: "warning", target: "node20", platform: "node", format: "cjs",
    external: ["vscode", "node-llama-cpp"], absWorkingDir: root
};
await Promise.all([
    esbuild.build({...common, entryPoints: {server: "language-server/main.ts"}, outdir: path.join(stage, "dist")}),
    esbuild.build({...common, entryPoints: ["bench/run-bench.ts", "bench/gpu/decode-bench.ts", "bench/speculative.ts"], outbase: ".",
        outdir: path.join(stage, "out")})
]);
console.log(`bundled into ${stage}: dist/server.js, out/bench/run-bench.js, out/bench/gpu/decode-bench.js, out/bench/speculative.js`);
