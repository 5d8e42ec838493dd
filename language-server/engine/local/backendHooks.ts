// Node module customization hooks (loaded by module.register in backendResolver.ts, built as dist/backendHooks.mjs):
// an import of @node-llama-cpp/<package> that the normal lookup cannot satisfy is resolved from the backends
// folders instead, as if they were one more node_modules above node-llama-cpp.
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";

interface ResolveContext {parentURL?: string; conditions?: string[]; importAttributes?: Record<string, string>}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{url: string; format?: string | null}>;

let roots: string[] = [];

export function initialize(data: {roots: string[]}) {
    roots = data.roots;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve) {
    try {
        return await nextResolve(specifier, context);
    } catch (error) {
        if (!specifier.startsWith("@node-llama-cpp/")) throw error;
        const root = roots.find((r) => fs.existsSync(path.join(r, "node_modules", ...specifier.split("/"), "package.json")));
        if (!root) throw error;
        // Resolved as if imported from a file in the folder: Node walks up to <root>/node_modules and honours
        // the package's "exports".
        return nextResolve(specifier, {...context, parentURL: pathToFileURL(path.join(root, "index.js")).href});
    }
}
