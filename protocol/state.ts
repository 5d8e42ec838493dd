// The server's model state, the machine it runs on, and the error codes of custom failures.
// Part of the protocol: import it from "protocol/lsp", which re-exports every protocol module.
import {NotificationType, RequestType0} from "vscode-languageserver-protocol";
import type {Backend, EngineKind} from "./settings";

export type ModelStatus = "noModel" | "loading" | "ready" | "error" | "unloaded";

/** The server's model state, pushed whenever it changes (and once after `initialized`). */
export interface ServerState {
    status: ModelStatus;
    /** The server's process id (lets tests and tools find it). */
    pid?: number;
    /** One sentence for the user: what is happening, or what is wrong and what to do. */
    message: string;
    modelPath?: string;
    modelName?: string;
    backend?: Backend;
    /** The device names llama.cpp reported, e.g. "NVIDIA H100 80GB HBM3". */
    devices?: string[];
    gpuLayers?: number;
    contextSize?: number;
    /** Bytes of VRAM and RAM the model and its context take. */
    vramBytes?: number;
    ramBytes?: number;
    /** Milliseconds from the start of loading to ready. */
    loadMs?: number;
    /** Which engine serves requests ("local" when absent). */
    engine?: EngineKind;
    /** Remote engine: the server's origin (never with credentials) and what kind of server it is. */
    endpoint?: string;
    serverKind?: "llama-server" | "openai-compatible";
    /** Speculative decoding: present when completion.draftModelPath is set and the main model is loaded. */
    draft?: DraftState;
}

export interface DraftState {
    /** "ready": completions use it; "error": it could not be used (message says why) and completions run without. */
    status: "ready" | "error";
    modelPath: string;
    message: string;
    modelName?: string;
    gpuLayers?: number;
    contextSize?: number;
}
export const ServerStateNotification = new NotificationType<ServerState>("gemma/serverState");

/** Asks the server for its current state (useful right after connecting). */
export const GetServerStateRequest = new RequestType0<ServerState, void>("gemma/getServerState");

/** What the machine offers, to recommend a model size before one is downloaded. */
export interface SystemInfo {
    /** The backend llama.cpp would use with the current gpu setting. */
    backend: Backend;
    gpuNames: string[];
    vramTotalBytes: number;
    vramFreeBytes: number;
    ramTotalBytes: number;
    ramFreeBytes: number;
    cpuCores: number;
    /** GPU backends this machine's drivers support (node-llama-cpp's getLlamaGpuTypes("supported")), installed or not. */
    gpuTypesSupported?: Backend[];
}
export const GetSystemInfoRequest = new RequestType0<SystemInfo, void>("gemma/systemInfo");

/** Error codes of custom failures (JSON-RPC server-defined range). */
export const ErrorCodes = {
    /** No model configured, or it failed to load; the message says why. */
    ModelNotReady: -32001,
    /** The document is unknown to the server (never opened). */
    UnknownDocument: -32002,
    /** The request's input is invalid (e.g. a position outside the document). */
    InvalidInput: -32003,
    /**
     * The inference engine failed while answering: the remote server is down, returned an HTTP error, stalled or
     * sent a malformed stream. The message says which, in one sentence; the next request may succeed.
     */
    EngineFailed: -32004
} as const;
