// Wires the LSP connection to the model host and the features. Each feature lives in its own module; this file
// only routes requests and owns the objects' lifetimes.
import {
    Connection, DidChangeConfigurationNotification, InitializeParams, InitializeResult, ResponseError, TextDocuments,
    TextDocumentSyncKind
} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {
    CompletionStatsNotification, defaultServerSettings, ErrorCodes, GetCompletionMetricsRequest, GetServerStateRequest,
    ServerSettings, ServerStateNotification
} from "../protocol/lsp";
import {CompletionService} from "./completion/completionService";
import {RecentEdits} from "./context/recentEdits";
import {createLogger} from "./log";
import {ModelHost} from "./model/modelHost";
import {mergeSettings, settingsFromInitializationOptions} from "./settings";

export function startServer(connection: Connection) {
    const log = createLogger(connection.console);
    const documents = new TextDocuments(TextDocument);
    let settings: ServerSettings = defaultServerSettings;
    let initialized = false;

    const host = new ModelHost(log, (state) => {
        // State before `initialized` would be dropped by some clients; it is sent once initialized instead.
        if (initialized) void connection.sendNotification(ServerStateNotification, state);
    });
    const recentEdits = new RecentEdits();
    const completion = new CompletionService({
        host, log,
        settings: () => settings,
        snippetsFor: (doc) => recentEdits.snippetsFor(doc, documents.all()),
        onStats: (stats) => void connection.sendNotification(CompletionStatsNotification, stats)
    });

    const documentOrError = (uri: string) => {
        const doc = documents.get(uri);
        if (!doc) throw new ResponseError(ErrorCodes.UnknownDocument, `Unknown document ${uri}: send textDocument/didOpen first.`);
        return doc;
    };

    connection.onInitialize((params: InitializeParams): InitializeResult => {
        settings = settingsFromInitializationOptions(params.initializationOptions);
        log.info(`Gemma Code language server ${process.version}, pid ${process.pid}, client ${params.clientInfo?.name ?? "unknown"}`);
        return {
            capabilities: {
                textDocumentSync: TextDocumentSyncKind.Incremental,
                inlineCompletionProvider: true
            },
            serverInfo: {name: "gemma-code", version: "0.1.0"}
        };
    });

    connection.onInitialized(() => {
        initialized = true;
        // Dynamic registration gets didChangeConfiguration from clients that only send it when asked.
        void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
        host.configure(settings);
        void connection.sendNotification(ServerStateNotification, host.currentState);
    });

    connection.onDidChangeConfiguration((change) => {
        const next = mergeSettings(settings, change.settings);
        if (JSON.stringify(next) === JSON.stringify(settings)) return;
        settings = next;
        completion.clearCache();
        host.configure(settings);
    });

    documents.onDidChangeContent((e) => recentEdits.noteChange(e.document));
    documents.onDidClose((e) => {
        recentEdits.forget(e.document.uri);
        completion.clearCache(e.document.uri);
    });

    connection.languages.inlineCompletion.on((params, token) =>
        completion.provide(documentOrError(params.textDocument.uri), params, token));

    connection.onRequest(GetServerStateRequest, () => host.currentState);
    connection.onRequest(GetCompletionMetricsRequest, () => ({...completion.metrics}));

    connection.onShutdown(async () => {
        await completion.abortInFlight();
        await host.dispose();
    });
    connection.onExit(() => process.exit(0));

    documents.listen(connection);
    connection.listen();
    return {host, completion, documents};
}
