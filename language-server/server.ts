// Wires the LSP connection to the inference engine (local or remote, see engine/) and the features. Each feature lives in its own module; this file
// only routes requests and owns the objects' lifetimes.
import {
    Connection, DidChangeConfigurationNotification, InitializeParams, InitializeResult, ProgressType, ResponseError, TextDocuments,
    TextDocumentSyncKind
} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {
    ChatRequest, CommitMessageRequest, CompletionStatsNotification, EditRequest, DefinitionSnippetsRequest, defaultServerSettings, ErrorCodes, ExplainRequest, GetCompletionMetricsRequest, GetCompletionTracesRequest,
    GetServerStateRequest, GetSystemInfoRequest, ReviewRequest, ServerSettings, ServerStateNotification
} from "../protocol/lsp";
import {CompletionService} from "./completion/completionService";
import {DefinitionSnippets} from "./context/definitionSnippets";
import {RecentEdits} from "./context/recentEdits";
import {EngineSwitch} from "./engine/engineSwitch";
import {createLogger} from "./log";
import {codeActionsFor, DISMISS_COMMAND, ReviewDiagnostics} from "./review/reviewDiagnostics";
import {runReview} from "./review/reviewRunner";
import {mergeSettings, settingsFromInitializationOptions} from "./settings";
import {runCommitMessage} from "./commitMessage/commitMessage";
import {editRange, runEdit} from "./edit/edit";
import {runChat} from "./tasks/chat";
import {runExplain} from "./tasks/explain";
import {TaskQueue} from "./tasks/taskQueue";

export function startServer(connection: Connection) {
    const log = createLogger(connection.console);
    const documents = new TextDocuments(TextDocument);
    let settings: ServerSettings = defaultServerSettings;
    let initialized = false;

    const engine = new EngineSwitch(log, (state) => {
        // State before `initialized` would be dropped by some clients; it is sent once initialized instead.
        if (initialized) void connection.sendNotification(ServerStateNotification, state);
    });
    const recentEdits = new RecentEdits();
    const definitions = new DefinitionSnippets((uri, position) =>
        connection.sendRequest(DefinitionSnippetsRequest, {textDocument: {uri}, position}));
    const completion = new CompletionService({
        engine, log,
        settings: () => settings,
        // Definitions of nearby symbols first (most relevant), then recently edited places in other files.
        snippetsFor: async (doc, position) => [...await definitions.forPosition(doc.uri, position),
            ...recentEdits.snippetsFor(doc, documents.all())],
        onStats: (stats) => void connection.sendNotification(CompletionStatsNotification, stats)
    });

    const tasks = new TaskQueue();
    engine.isBusy = () => completion.metrics.running > 0 || tasks.size > 0;
    engine.onBeforeUnload(() => tasks.abortAll());
    const reviews = new ReviewDiagnostics((uri, diagnostics) => void connection.sendDiagnostics({uri, diagnostics}));

    const documentOrError = (uri: string) => {
        const doc = documents.get(uri);
        if (!doc) throw new ResponseError(ErrorCodes.UnknownDocument, `Unknown document ${uri}: send textDocument/didOpen first.`);
        return doc;
    };

    connection.onInitialize((params: InitializeParams): InitializeResult => {
        settings = settingsFromInitializationOptions(params.initializationOptions);
        log.setSecrets([settings.remote.apiKey]);
        log.info(`Gemma Code language server ${process.version}, pid ${process.pid}, client ${params.clientInfo?.name ?? "unknown"}`);
        return {
            capabilities: {
                textDocumentSync: TextDocumentSyncKind.Incremental,
                inlineCompletionProvider: true,
                codeActionProvider: {codeActionKinds: ["quickfix"]},
                executeCommandProvider: {commands: [DISMISS_COMMAND]}
            },
            serverInfo: {name: "gemma-code", version: "0.1.0"}
        };
    });

    connection.onInitialized(() => {
        initialized = true;
        // Dynamic registration gets didChangeConfiguration from clients that only send it when asked.
        void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
        engine.configure(settings);
        void connection.sendNotification(ServerStateNotification, engine.currentState);
    });

    connection.onDidChangeConfiguration((change) => {
        const next = mergeSettings(settings, change.settings);
        if (JSON.stringify(next) === JSON.stringify(settings)) return;
        settings = next;
        log.setSecrets([settings.remote.apiKey]);
        completion.clearCache();
        engine.configure(settings);
    });

    documents.onDidChangeContent((e) => {
        recentEdits.noteChange(e.document);
        reviews.relocate(e.document);
    });
    documents.onDidClose((e) => {
        recentEdits.forget(e.document.uri);
        definitions.forget(e.document.uri);
        completion.clearCache(e.document.uri);
        reviews.clear(e.document.uri);
    });

    connection.languages.inlineCompletion.on((params, token) =>
        completion.provide(documentOrError(params.textDocument.uri), params, token));

    connection.onRequest(ReviewRequest, async (params, token) => {
        const doc = documentOrError(params?.textDocument?.uri);
        const version = doc.version;
        const reviewedText = doc.getText();
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        const started = performance.now();
        const outcome = await tasks.run(token, (signal) => runReview(session, doc, params.range, settings.review.maxLines, signal, log));
        if (token.isCancellationRequested) throw new ResponseError(-32800, "Review cancelled");
        // The document may have changed while the model was reviewing: comments follow their lines or go.
        const current = documents.get(doc.uri);
        const comments = current ? reviews.replace(current, reviewedText, outcome.comments) : outcome.comments;
        log.info(`review of ${doc.uri}: ${outcome.comments.length} comment(s) from ${outcome.chunks} chunk(s) in `
            + `${Math.round(performance.now() - started)} ms${current && current.version !== version ? ", relocated after edits" : ""}`
            + (outcome.note ? `; ${outcome.note}` : ""));
        return {comments, version: current?.version ?? version, note: outcome.note};
    });

    // Partial results of custom requests: `$/progress` notifications on the request's partialResultToken.
    const partialResults = (token: string | number | undefined) => (delta: string) => {
        if (token !== undefined && delta) void connection.sendProgress(new ProgressType<string>(), token, delta);
    };

    connection.onRequest(ExplainRequest, async (params, token) => {
        const doc = documentOrError(params?.textDocument?.uri);
        if (!params.range) throw new ResponseError(ErrorCodes.InvalidInput, "gemma/explain needs a range.");
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runExplain(session, doc, params, settings.chat.maxTokens, signal, partialResults(params.partialResultToken)));
    });

    connection.onRequest(ChatRequest, async (params, token) => {
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runChat(session, params, settings.chat.maxTokens, signal, partialResults(params?.partialResultToken)));
    });

    connection.onRequest(EditRequest, async (params, token) => {
        const live = documentOrError(params?.textDocument?.uri);
        // A copy: the range refers to the text as it is now, whatever happens while the request waits.
        const doc = TextDocument.create(live.uri, live.languageId, live.version, live.getText());
        editRange(doc, params);
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runEdit(session, {doc, params, current: () => documents.get(doc.uri),
            maxTokens: settings.chat.maxTokens, signal, onDelta: partialResults(params.partialResultToken)}));
    });

    connection.onRequest(CommitMessageRequest, async (params, token) => {
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runCommitMessage(session, params, settings.chat.maxTokens, signal,
            partialResults(params?.partialResultToken)));
    });

    connection.onCodeAction((params) => {
        if (!documents.get(params.textDocument.uri)) return [];
        return codeActionsFor(params.textDocument.uri, params.context.diagnostics, params.range);
    });

    connection.onExecuteCommand((params) => {
        if (params.command === DISMISS_COMMAND) {
            const [uri, id] = params.arguments ?? [];
            if (typeof uri === "string" && typeof id === "number") reviews.dismiss(uri, id);
            return null;
        }
        throw new ResponseError(ErrorCodes.InvalidInput, `Unknown command ${params.command}`);
    });

    connection.onRequest(GetServerStateRequest, () => engine.currentState);
    connection.onRequest(GetSystemInfoRequest, () => engine.systemInfo(settings));
    connection.onRequest(GetCompletionMetricsRequest, () => ({...completion.metrics}));
    connection.onRequest(GetCompletionTracesRequest, () => completion.traces);

    connection.onShutdown(async () => {
        await completion.abortInFlight();
        await tasks.abortAll();
        await engine.dispose();
    });
    connection.onExit(() => process.exit(0));

    documents.listen(connection);
    connection.listen();
    return {engine, completion, documents, log};
}
