// Checks that node-llama-cpp loads the binaries run.sh just installed, with no build and no download:
//   node bench/gpu/check-llama.mjs cuda|cpu
// (A file, not `node --input-type=module -e`: node-llama-cpp tests a binary in a forked child, which inherits
// --input-type and then refuses to run node-llama-cpp's test file, ERR_INPUT_TYPE_NOT_ALLOWED, so every binary
// "fails" with NoBinaryFoundError.)
import {getLlama, getLlamaGpuTypes} from "node-llama-cpp";

const want = process.argv[2] === "cpu" ? false : "cuda";
// run-bench.js starts the server with gpu "auto": it must pick CUDA by itself.
const autoTypes = await getLlamaGpuTypes("supported");
console.log(`gpu "auto" would try: ${JSON.stringify(autoTypes)}`);
if (want === "cuda" && !autoTypes.includes("cuda")) {
    console.error('gpu "auto" would not use CUDA: node-llama-cpp looks for libnvidia-ml.so.1, libcuda.so.1, libcudart.so.*, '
        + "libcublas.so.* and libcublasLt.so.* in LD_LIBRARY_PATH, CUDA_PATH, /usr/lib/x86_64-linux-gnu and /usr/local/cuda*/targets/*/lib; "
        + `LD_LIBRARY_PATH=${process.env.LD_LIBRARY_PATH ?? ""}`);
    process.exit(1);
}
const llama = await getLlama({gpu: want, build: "never", logLevel: "warn"});
const info = {
    gpu: llama.gpu, buildType: llama.buildType,
    devices: llama.gpu ? await llama.getGpuDeviceNames() : [],
    vramGiB: llama.gpu ? Number(((await llama.getVramState()).total / 2 ** 30).toFixed(1)) : 0,
    cpuMathCores: llama.cpuMathCores
};
console.log("node-llama-cpp loads:", JSON.stringify(info));
await llama.dispose();
if (llama.buildType !== "prebuilt" || llama.gpu !== want) {
    console.error(`expected the ${want === false ? "CPU" : want} binaries run.sh installed, got ${JSON.stringify(info)}`);
    process.exit(1);
}
