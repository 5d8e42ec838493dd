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

/**
 * The only files shipped from dependencies: code, JSON, native libraries (.node, and .so/.dylib/.dll/.metal of
 * the prebuilt packages), llama.cpp's grammars, and license texts. No types, maps, docs, C headers or bin scripts.
 */
export const RUNTIME_FILE = /\.(js|cjs|mjs|json|node|so|dylib|dll|metal|gbnf)$/i;
export const KEPT_FILE = /^(license|licence|notice|copying)/i;

/**
 * Production dependencies not shipped as found here: TypeScript (an optional peer of node-llama-cpp, never loaded),
 * node-llama-cpp's platform packages (each target adds its own), and @reflink's native builds for this machine's
 * platform (ipull imports @reflink/reflink only to clone local files, inside a try).
 */
export const DROPPED_PACKAGES = new Set(["typescript"]);
export const DROPPED_SCOPES = ["@node-llama-cpp/", "@reflink/"];

/** Folders of dependencies that no runtime code loads. */
export const DROPPED_DIRS = new Set(["test", "tests", "__tests__", "__mocks__", "example", "examples", "docs", ".github"]);
