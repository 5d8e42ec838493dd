// One window's LSP connection over its socket. The library's stdio defaults do not fit a process that serves
// many windows, so two messages are handled here before the connection sees them: `exit` ends this connection
// only (the library would end the process), and the window's `processId` is dropped from `initialize` (the
// library would end the process when that window's editor exits; the host counts connections instead). The host
// also learns here when the window is `initialized` (server.ts owns the connection's one onInitialized handler).
import type net from "node:net";
import {createConnection, ExitNotification, InitializedNotification, InitializeRequest, ProposedFeatures} from "vscode-languageserver/node";
import {DataCallback, Message, MessageReader, SocketMessageReader, SocketMessageWriter} from "vscode-jsonrpc/node";

export function windowConnection(socket: net.Socket, events: {onExit: () => void; onInitialized: () => void}) {
    const inner = new SocketMessageReader(socket);
    const reader: MessageReader = {
        onError: inner.onError,
        onClose: inner.onClose,
        onPartialMessage: inner.onPartialMessage,
        listen: (callback: DataCallback) => inner.listen((message: Message) => {
            const m = message as Message & {method?: string; id?: unknown; params?: {processId?: unknown}};
            if (m.method === ExitNotification.method && m.id === undefined) return events.onExit();
            if (m.method === InitializeRequest.method && m.params && typeof m.params === "object") m.params.processId = null;
            callback(message);
            if (m.method === InitializedNotification.method && m.id === undefined) setImmediate(events.onInitialized);
        }),
        dispose: () => inner.dispose()
    };
    return createConnection(ProposedFeatures.all, reader, new SocketMessageWriter(socket));
}
