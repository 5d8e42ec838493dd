// Every error code a Gemma Code request can fail with: the custom ones (JSON-RPC's server-defined range, each number
// once) and the LSP codes the server and the clients use. Part of the protocol: import it from "protocol/lsp".
import {ErrorCodes as JsonRpcErrorCodes, LSPErrorCodes} from "vscode-languageserver-protocol";

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
    EngineFailed: -32004,
    /** gemma/edit: the document changed inside the range while the model was writing. */
    EditConflict: -32010,
    /** Shared host: no host could be reached or started in time; the message says why (the host log has more). */
    HostUnavailable: -32011,
    /** JSON-RPC's: the other side does not implement the method (an optional client request, e.g.). */
    MethodNotFound: JsonRpcErrorCodes.MethodNotFound,
    /** LSP's: the client cancelled the request ($/cancelRequest), or the server ended it (shutdown, model changed). */
    RequestCancelled: LSPErrorCodes.RequestCancelled
} as const;
