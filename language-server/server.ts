// Wires the LSP connection to the inference engine (local or remote, see engine/) and the features. Each feature lives in its own module; this file
// only routes requests and owns the objects' lifetimes.
import {CellView, NotebookContext, shiftPosition, shiftRange} from "./notebooks";
import {
    CancellationToken, ConfigurationRequest, Connection, DidChangeConfigurationNotification, ErrorCodes as JsonRpcErrorCodes, InitializeParams, InitializeResult, MessageType,
    ProgressType, ResponseError, ShowMessageNotification, TextDocuments, TextDocumentSyncKind
} from "vscode-languageserver";
import {TextDocument} from "vscode-languageserver-textdocument";
import {
    ChatRequest, ClientCommands, CommitMessageRequest, CompletionStatsNotification, defaultServerSettings, ErrorCodes, EXPERIMENTAL_CAPABILITY, ExplainParams,
    ExplainRequest, GemmaClientCapabilities, GetCompletionMetricsRequest, GetCompletionTracesRequest, GetServerStateRequest, GetSystemInfoRequest,
    ReviewRequest, EditRequest, ServerCommands, ServerSettings, ServerState, ServerStateNotification
} from "../protocol/lsp";
import {askClient, definitionSnippetsFetcher, LoadProgress, settingsFromConfigurationAnswer} from "./clientAnswers";
import {guardedDocumentEvents} from "./documentGuard";
import {CompletionService} from "./completion/completionService";
import {DefinitionSnippets} from "./context/definitionSnippets";
import {OpenEditorSnippets} from "./context/openEditors";
import {RecentEdits} from "./context/recentEdits";
import type {Engine} from "./engine/engine";
import {EngineSwitch} from "./engine/engineSwitch";
import type {TaskRunner} from "./host/windowTasks";
import * as l10n from "./l10n";
import {createLogger} from "./log";
import {codeActionsFor, DISMISS_COMMAND, ReviewDiagnostics} from "./review/reviewDiagnostics";
import {reviewedVersion, runReview} from "./review/reviewRunner";
import {applyIncomingSettings, settingsFromInitializationOptions} from "./settings";
import {runCommitMessage} from "./commitMessage/commitMessage";
import {editRange, runEdit} from "./edit/edit";
import {runChat} from "./tasks/chat";
import {runExplain} from "./tasks/explain";
import {TaskQueue} from "./tasks/taskQueue";

/** How the shared host (host/hostServer.ts) runs one window's connection on the model all windows share. */
export interface ServerHooks {
    /** This window's view of the shared engine (it reports state through onState). Default: its own EngineSwitch. */
    engine?: (onState: (state: ServerState) => void) => Engine;
    /** This window's view of the shared task queue. Default: its own TaskQueue. */
    tasks?: TaskRunner;
}

export function startServer(connection: Connection, hooks: ServerHooks = {}) {
    const log = createLogger(connection.console);
    const documents = new TextDocuments(TextDocument);
    const notebooks = new NotebookContext(documents);
    let settings: ServerSettings = defaultServerSettings;
    let initialized = false;
    /** After `shutdown`, requests get InvalidRequest (LSP: the server must not serve after shutdown). */
    let shutDown = false;
    let initialNotes: string[] = [];
    let client: {workDoneProgress: boolean; configuration: boolean; commands: Set<string>} =
        {workDoneProgress: false, configuration: false, commands: new Set()};

    // Messages are English inside the server; what this connection sends is in its client's language (l10n.ts).
    let translator = l10n.translatorFor(undefined);
    const say = (message: string) => translator.text(message);
    const stateForClient = (state: ServerState): ServerState => translator.translates
        ? {...state, message: say(state.message), ...(state.draft ? {draft: {...state.draft, message: say(state.draft.message)}} : {})}
        : state;
    const progress = new LoadProgress(connection, log, () => client.workDoneProgress);
    const onState = (state: ServerState) => {
        // State before `initialized` would be dropped by some clients; it is sent once initialized instead.
        if (!initialized) return;
        const shown = stateForClient(state);
        void connection.sendNotification(ServerStateNotification.type, shown);
        progress.update(shown);
    };
    const engine: Engine = hooks.engine?.(onState) ?? new EngineSwitch(log, onState);
    /** The notebook views that completions of cells run on (notebooks.ts), to map positions back. */
    const cellViews = new WeakMap<TextDocument, CellView>();
    const recentEdits = new RecentEdits();
    const openEditors = new OpenEditorSnippets();
    const definitions = new DefinitionSnippets(definitionSnippetsFetcher(connection, log));
    const completion = new CompletionService({
        engine, log,
        settings: () => settings,
        // Definitions of nearby symbols first (most relevant), then recently edited places in other files, then the
        // most similar code in other open files that were not edited.
        snippetsFor: async (doc, position) => {
            // In a notebook cell, the cells above are already in the prefix: the notebook's other cells are no "other files".
            const cell = cellViews.get(doc);
            const others = cell ? documents.all().filter((d) => !cell.cells.has(d.uri)) : documents.all();
            return [...await definitions.forPosition(doc.uri, cell ? shiftPosition(position, -cell.lineOffset) : position),
                ...recentEdits.snippetsFor(doc, others),
                ...openEditors.snippetsFor(doc, position, others, recentEdits.editedUris())];
        },
        onStats: (stats) => void connection.sendNotification(CompletionStatsNotification.type, stats)
    });

    const tasks: TaskRunner = hooks.tasks ?? new TaskQueue();
    engine.isBusy = () => completion.metrics.running > 0 || tasks.size > 0;
    engine.onBeforeUnload(() => tasks.abortAll());
    const reviews = new ReviewDiagnostics((uri, diagnostics) => void connection.sendDiagnostics({uri, diagnostics}));

    const documentOrError = (uri: string) => {
        const doc = documents.get(uri);
        // l10n-ignore: a protocol error of a client, for its developer
        if (!doc) throw new ResponseError(ErrorCodes.UnknownDocument, `Unknown document ${uri}: send textDocument/didOpen first.`);
        return doc;
    };

    connection.onInitialize((params: InitializeParams): InitializeResult => {
        // The notes are logged once initialized: clients may drop log messages sent before `initialize` is answered.
        settings = settingsFromInitializationOptions(params?.initializationOptions, initialNotes);
        // LSP's own field for the language of the messages the server shows (VS Code's client sends its display language).
        translator = l10n.translatorFor(params?.locale);
        const caps = params?.capabilities;
        const declared = (caps?.experimental as Record<string, GemmaClientCapabilities> | undefined)?.[EXPERIMENTAL_CAPABILITY]?.clientCommands;
        client = {
            workDoneProgress: caps?.window?.workDoneProgress === true,
            configuration: caps?.workspace?.configuration === true,
            commands: new Set(Array.isArray(declared) ? declared.filter((c): c is string => typeof c === "string") : [])
        };
        log.setSecrets([settings.remote.apiKey]);
        log.info(`Gemma Code language server ${process.version}, pid ${process.pid}, client ${params.clientInfo?.name ?? "unknown"}`
            + (params?.locale ? `, locale ${params.locale}` : ""));
        return {
            capabilities: {
                textDocumentSync: TextDocumentSyncKind.Incremental,
                // Notebooks (Jupyter…): every notebook and its cells, so that a cell's completion sees the cells above.
                notebookDocumentSync: {notebookSelector: [{notebook: "*"}]},
                inlineCompletionProvider: true,
                codeActionProvider: {codeActionKinds: ["quickfix"]},
                executeCommandProvider: {commands: [ServerCommands.dismissReviewComment, ServerCommands.explain]}
            },
            serverInfo: {name: "gemma-code", version: "0.1.0"}
        };
    });

    connection.onInitialized(() => {
        initialized = true;
        for (const note of initialNotes) log.warn(note);
        // Dynamic registration gets didChangeConfiguration from clients that only send it when asked.
        void connection.client.register(DidChangeConfigurationNotification.type, undefined).catch(() => undefined);
        engine.configure(settings);
        void connection.sendNotification(ServerStateNotification.type, stateForClient(engine.currentState));
    });

    const applySettings = (incoming: unknown) => {
        const next = applyIncomingSettings(settings, incoming, log);
        if (JSON.stringify(next) === JSON.stringify(settings)) return;
        settings = next;
        log.setSecrets([settings.remote.apiKey]);
        completion.clearCache();
        engine.configure(settings);
    };
    connection.onDidChangeConfiguration(async (change) => {
        const incoming: unknown = change?.settings;
        const usable = incoming && typeof incoming === "object" && Object.keys(incoming).length > 0;
        // Pull-model clients send an empty notification and expect the server to ask (workspace/configuration).
        if (!usable && client.configuration) {
            const reply = await askClient(connection, ConfigurationRequest.method, {items: [{section: "gemmaCode"}]}, log);
            const pulled = "answer" in reply ? settingsFromConfigurationAnswer(reply.answer) : undefined;
            if (pulled) applySettings({gemmaCode: pulled});
            else log.debug(`workspace/configuration gave no settings object: ${"error" in reply ? reply.error.message : "an answer of another shape"}`);
            return;
        }
        applySettings(incoming);
    });

    documents.onDidChangeContent((e) => {
        completion.documentChanged(e.document.uri);
        recentEdits.noteChange(e.document);
        reviews.relocate(e.document);
    });
    documents.onDidClose((e) => {
        recentEdits.forget(e.document.uri);
        openEditors.forget(e.document.uri);
        definitions.forget(e.document.uri);
        completion.clearCache(e.document.uri);
        reviews.clear(e.document.uri);
    });

    /** An error response in the client's language (its code and data as they were). */
    const translated = (error: unknown): unknown => {
        if (!(error instanceof ResponseError) || !translator.translates) return error;
        const message = say(error.message);
        return message === error.message ? error : new ResponseError(error.code, message, error.data);
    };
    /**
     * Every request handler goes through this: after `shutdown`, the answer is InvalidRequest, as LSP says; the
     * messages of its error responses are translated.
     */
    const serving = <P, R>(handler: (params: P, token: CancellationToken) => R) => (params: P, token: CancellationToken): R => {
        // l10n-ignore: a protocol error of a client, for its developer
        if (shutDown) throw new ResponseError(JsonRpcErrorCodes.InvalidRequest, "The server is shutting down: no requests after shutdown.");
        try {
            const result = handler(params, token);
            return (result instanceof Promise ? result.catch((error: unknown) => Promise.reject(translated(error))) : result) as R;
        } catch (error) {
            throw translated(error);
        }
    };
    const serving0 = <R>(handler: () => R) => (): R => serving<undefined, R>(() => handler())(undefined, CancellationToken.None);

    connection.languages.inlineCompletion.on(serving(async (params, token) => {
        const doc = documentOrError(params?.textDocument?.uri);
        const cell = notebooks.view(doc);
        if (!cell) return completion.provide(doc, params, token);
        // A notebook cell: completed as if the notebook were one file, the answer's ranges moved back into the cell.
        cellViews.set(cell.document, cell);
        const shift = cell.lineOffset;
        const info = params.context?.selectedCompletionInfo;
        const list = await completion.provide(cell.document, {...params, position: shiftPosition(params.position, shift),
            context: {...params.context, selectedCompletionInfo: info && {...info, range: shiftRange(info.range, shift)}}}, token);
        return {...list, items: list.items.map((item) => item.range ? {...item, range: shiftRange(item.range, -shift)} : item)};
    }));

    connection.onRequest(ReviewRequest.type, serving(async (params, token) => {
        const open = documentOrError(params?.textDocument?.uri);
        const version = open.version;
        // `text` (e.g. the staged version) is reviewed instead of the editor's text; comments land where its lines are.
        const doc = reviewedVersion(open, params.text);
        const reviewedText = doc.getText();
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        const started = performance.now();
        const outcome = await tasks.run(token, (signal) => runReview(session, doc, params.range, settings.review.maxLines, signal, log,
            settings.responseLanguage));
        if (token.isCancellationRequested) throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Review cancelled"));
        // The document may have changed while the model was reviewing: comments follow their lines or go.
        const current = documents.get(doc.uri);
        const comments = current ? reviews.replace(current, reviewedText, outcome.comments, params.range ? outcome.reviewedLines : undefined)
            : outcome.comments;
        log.info(`review of ${doc.uri}: ${outcome.comments.length} comment(s) from ${outcome.chunks} chunk(s) in `
            + `${Math.round(performance.now() - started)} ms${current && current.version !== version ? ", relocated after edits" : ""}`
            + (outcome.note ? `; ${outcome.note}` : ""));
        return {comments, version: current?.version ?? version, note: outcome.note && say(outcome.note), ...(outcome.dropped ? {dropped: outcome.dropped} : {})};
    }));

    // Partial results of custom requests: `$/progress` notifications on the request's partialResultToken.
    const partialResults = (token: string | number | undefined) => (delta: string) => {
        if (token !== undefined && delta) void connection.sendProgress(new ProgressType<string>(), token, delta);
    };

    const explain = async (params: ExplainParams, token: CancellationToken, onDelta: (delta: string) => void) => {
        const doc = documentOrError(params?.textDocument?.uri);
        // l10n-ignore: a protocol error of a client, for its developer
        if (!params.range) throw new ResponseError(ErrorCodes.InvalidInput, `${ExplainRequest.method} needs a range.`);
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runExplain(session, doc, params, settings.chat.maxTokens, signal, onDelta,
            settings.responseLanguage));
    };
    connection.onRequest(ExplainRequest.type, serving((params, token) => explain(params, token, partialResults(params?.partialResultToken))));

    connection.onRequest(ChatRequest.type, serving(async (params, token) => {
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runChat(session, params, settings.chat.maxTokens, signal, partialResults(params?.partialResultToken),
            settings.responseLanguage));
    }));

    connection.onRequest(EditRequest.type, serving(async (params, token) => {
        const live = documentOrError(params?.textDocument?.uri);
        // A copy: the range refers to the text as it is now, whatever happens while the request waits.
        const doc = TextDocument.create(live.uri, live.languageId, live.version, live.getText());
        editRange(doc, params);
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runEdit(session, {doc, params, current: () => documents.get(doc.uri),
            maxTokens: settings.chat.maxTokens, signal, onDelta: partialResults(params.partialResultToken)}));
    }));

    connection.onRequest(CommitMessageRequest.type, serving(async (params, token) => {
        const session = await engine.whenReady(settings.readyTimeoutMs, token);
        return tasks.run(token, (signal) => runCommitMessage(session, params, settings.chat.maxTokens, signal,
            partialResults(params?.partialResultToken)));
    }));

    connection.onCodeAction(serving((params) => {
        if (!documents.get(params?.textDocument?.uri)) return [];
        // A client-side command only for clients that run it; any other client gets the server's own command.
        const explainCommand = client.commands.has(ClientCommands.explain) ? ClientCommands.explain : ServerCommands.explain;
        return codeActionsFor(params.textDocument.uri, Array.isArray(params.context?.diagnostics) ? params.context.diagnostics : [],
            params.range, explainCommand).map((action) => ({...action, title: say(action.title),
            ...(action.command ? {command: {...action.command, title: say(action.command.title)}} : {})}));
    }));

    connection.onExecuteCommand(serving(async (params, token) => {
        if (params?.command === ServerCommands.dismissReviewComment) {
            const [uri, id] = params.arguments ?? [];
            if (typeof uri === "string" && typeof id === "number") reviews.dismiss(uri, id);
            return null;
        }
        if (params?.command === ServerCommands.explain) {
            const args = (params.arguments?.[0] ?? {}) as {uri?: unknown; range?: ExplainParams["range"]; diagnostic?: ExplainParams["diagnostic"]};
            // l10n-ignore: a protocol error of a client, for its developer
            if (typeof args.uri !== "string") throw new ResponseError(ErrorCodes.InvalidInput, `${ServerCommands.explain} needs {uri, range}.`);
            const markdown = await explain({textDocument: {uri: args.uri}, range: args.range!, diagnostic: args.diagnostic}, token, () => undefined);
            // Generic clients have no panel for it: the explanation is the result, and a message the editor shows.
            void connection.sendNotification(ShowMessageNotification.type, {type: MessageType.Info, message: markdown});
            return markdown;
        }
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput, `Unknown command ${params?.command}`);
    }));

    connection.onRequest(GetServerStateRequest.type, serving0(() => stateForClient(engine.currentState)));
    connection.onRequest(GetSystemInfoRequest.type, serving0(() => engine.systemInfo(settings)));
    connection.onRequest(GetCompletionMetricsRequest.type, serving0(() => ({...completion.metrics})));
    connection.onRequest(GetCompletionTracesRequest.type, serving0(() => completion.traces));

    connection.onShutdown(async () => {
        shutDown = true;
        // The queued chats and reviews fail at once (abortAll), instead of each running to its end first.
        await completion.abortInFlight();
        await tasks.abortAll();
        await engine.dispose();
    });
    // No onExit handler: vscode-languageserver then exits with 0 after `shutdown` and 1 without it, as LSP says.

    documents.listen(guardedDocumentEvents(connection, log));
    notebooks.notebooks.listen(connection);
    connection.listen();
    return {engine, completion, documents, log};
}
