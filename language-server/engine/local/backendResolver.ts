// Lets node-llama-cpp find GPU backends that were fetched after installation (src/backend/). node-llama-cpp looks
// for its prebuilt binaries by importing the packages @node-llama-cpp/<platform>-<gpu> (its documented layout:
// optional dependencies next to it); the CUDA and Vulkan ones are not shipped in the .vsix. Node's documented
// module customization hooks (module.register) resolve those imports from the backends folder when the normal
// lookup fails, so node-llama-cpp's own files stay untouched.
import fs from "node:fs";
import {register} from "node:module";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {BACKENDS_DIR_ENV} from "../../../protocol/lsp";

export function registerBackendResolver(dir = process.env[BACKENDS_DIR_ENV]): boolean {
    if (!dir || !fs.existsSync(path.join(dir, "node_modules"))) return false;
    // Node 20.6+ (VS Code's Electron and code-server have it); an older runtime just keeps the bundled CPU build.
    if (typeof register !== "function") return false;
    // dist/backendHooks.mjs, built next to dist/server.js from backendHooks.ts.
    register(pathToFileURL(path.join(__dirname, "backendHooks.mjs")), {data: {roots: [dir]}});
    return true;
}
