// Which node-llama-cpp backend package a machine can use but lacks. The .vsix carries only the CPU build (and
// Metal on Apple Silicon); CUDA and Vulkan builds are npm packages of node-llama-cpp, fetched on demand. No vscode
// import: unit-tested.
import path from "node:path";
import type {Backend, GpuSetting, SystemInfo} from "../../protocol/lsp";

/** The packages node-llama-cpp 3.x imports for each GPU backend (its optionalDependencies), per platform-arch. */
const GPU_PACKAGES: Record<string, Partial<Record<Backend, string>>> = {
    "linux-x64": {cuda: "@node-llama-cpp/linux-x64-cuda", vulkan: "@node-llama-cpp/linux-x64-vulkan"},
    "win32-x64": {cuda: "@node-llama-cpp/win-x64-cuda", vulkan: "@node-llama-cpp/win-x64-vulkan"}
};

/** Best first: node-llama-cpp's own order for gpu "auto". */
const PREFERENCE: Backend[] = ["cuda", "vulkan"];

export interface BackendOffer {
    backend: Backend;
    packageName: string;
}

/**
 * The GPU backend worth fetching: one the drivers support, the gpu setting allows, and the server does not run
 * on yet. Undefined when there is none (no GPU, Metal, already on a GPU, gpu set to "cpu").
 */
export function backendToOffer(info: Pick<SystemInfo, "backend" | "gpuTypesSupported">, gpu: GpuSetting,
                               platform: string = process.platform, arch: string = process.arch): BackendOffer | undefined {
    if (info.backend !== "cpu" || gpu === "cpu" || gpu === "metal") return undefined;
    const packages = GPU_PACKAGES[`${platform}-${arch}`] ?? {};
    for (const backend of PREFERENCE) {
        if (gpu !== "auto" && gpu !== backend) continue;
        const packageName = packages[backend];
        if (packageName && info.gpuTypesSupported?.includes(backend)) return {backend, packageName};
    }
    return undefined;
}

/** The folder the server's BACKENDS_DIR_ENV points at: <global storage>/backends (holds node_modules/@node-llama-cpp/...). */
export function backendsDir(globalStoragePath: string): string {
    return path.join(globalStoragePath, "backends");
}
