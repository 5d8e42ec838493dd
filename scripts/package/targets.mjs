// Which node-llama-cpp prebuilt package each .vsix target ships. Only the CPU build (Metal on Apple Silicon,
// which node-llama-cpp builds into its mac-arm64 package): CUDA and Vulkan are fetched on demand at run time
// (src/backend/), because they are 55-530 MB each and most users never load them.
export const TARGETS = {
    "linux-x64": "linux-x64",
    "linux-arm64": "linux-arm64",
    "darwin-arm64": "mac-arm64-metal",
    "darwin-x64": "mac-x64",
    "win32-x64": "win-x64"
};

/** Files of node-llama-cpp that only its build-from-source path reads (the package never builds: build "never"). */
export const NODE_LLAMA_CPP_BUILD_ONLY = [
    "llama/gitRelease.bundle", "llama/addon", "llama/cmake", "llama/CMakeLists.txt", "llama/patches",
    "llama/toolchains", "llama/xpack", "llama/profiles", "llama/.clang-format", "templates"
];

/** Never shipped from any dependency: types, maps, docs. Directory names match at any depth. */
export const DROPPED_FILE = /\.(map|d\.ts|d\.cts|d\.mts|md|markdown)$/i;
export const KEPT_FILE = /^(license|licence|notice|copying)/i;

/** Production dependencies the runtime never loads: TypeScript is an optional peer of node-llama-cpp. */
export const DROPPED_PACKAGES = new Set(["typescript"]);
