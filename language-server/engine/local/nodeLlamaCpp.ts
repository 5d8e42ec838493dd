// node-llama-cpp is an ES module with native binaries; the server bundle is CommonJS, so it is loaded with a
// dynamic import() (esbuild keeps it as one) and only once.
type NodeLlamaCpp = typeof import("node-llama-cpp");

let loading: Promise<NodeLlamaCpp> | undefined;

export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
    loading ??= import("node-llama-cpp");
    return loading;
}
