// Which GPU backend package the extension offers to download (src/backend/gpuBackendPackage.ts).
import assert from "node:assert/strict";
import {backendToOffer} from "../../src/backend/gpuBackendPackage";

describe("GPU backend to offer", () => {
    const onCpu = (supported: ("cuda" | "vulkan" | "metal" | "cpu")[]) => ({backend: "cpu" as const, gpuTypesSupported: supported});

    it("offers CUDA before Vulkan, node-llama-cpp's order, for the platform's package", () => {
        assert.deepEqual(backendToOffer(onCpu(["cuda", "vulkan", "cpu"]), "auto", "linux", "x64"),
            {backend: "cuda", packageName: "@node-llama-cpp/linux-x64-cuda"});
        assert.deepEqual(backendToOffer(onCpu(["vulkan", "cpu"]), "auto", "win32", "x64"),
            {backend: "vulkan", packageName: "@node-llama-cpp/win-x64-vulkan"});
    });

    it("follows an explicit gpu setting", () => {
        assert.deepEqual(backendToOffer(onCpu(["cuda", "vulkan"]), "vulkan", "linux", "x64"),
            {backend: "vulkan", packageName: "@node-llama-cpp/linux-x64-vulkan"});
        assert.equal(backendToOffer(onCpu(["vulkan"]), "cuda", "linux", "x64"), undefined);
    });

    it("offers nothing on the CPU setting, without a supported GPU, on a GPU already, or where none is published", () => {
        assert.equal(backendToOffer(onCpu(["cuda"]), "cpu", "linux", "x64"), undefined);
        assert.equal(backendToOffer(onCpu(["cpu"]), "auto", "linux", "x64"), undefined);
        assert.equal(backendToOffer({backend: "cuda", gpuTypesSupported: ["cuda"]}, "auto", "linux", "x64"), undefined);
        assert.equal(backendToOffer(onCpu(["metal"]), "auto", "darwin", "arm64"), undefined);
        assert.equal(backendToOffer(onCpu(["vulkan"]), "auto", "linux", "arm64"), undefined);
        assert.equal(backendToOffer({backend: "cpu"}, "auto", "linux", "x64"), undefined, "an old server that does not say");
    });
});
