// The remote engine: every request goes to an OpenAI-compatible inference server (llama.cpp's llama-server, vLLM,
// Ollama…) that a developer or a team already runs.
//
// - Completion: POST /v1/completions with the same prompt the local engine builds (Gemma's chat template with the
//   answer prefilled; the user's code can never become control tokens), streamed. On llama-server: `cache_prompt`,
//   so the KV cache of the unchanged prompt prefix is reused while the user types, and /infill for models with
//   fill-in-the-middle tokens.
// - Chat and explain: POST /v1/chat/completions, streamed (server-sent events). On llama-server: the conversation
//   rendered by its own template (/apply-template) and sent as a completion (see templated()).
// - Review: on llama-server, the grammar the local engine uses for the JSON schema; elsewhere
//   `response_format: json_schema` (vLLM's guided decoding), with the schema in the prompt, validation and one retry
//   for a server that rejects it.
// - Connection: probed on configure (GET /health, /v1/models, /props: is it llama-server, how big is its context,
//   what model, how many characters per token); a request that finds the server gone turns the state to "error"
//   and probes again with backoff, and the next request probes at once.
// - Cancellation closes the HTTP stream; http.ts bounds every wait, so a stalled server cannot hang a request.
//
// This file keeps the connection (configure, probe with backoff, ready or not); probe.ts probes, session.ts answers
// requests, openaiStream.ts reads one streamed answer, http.ts and sse.ts speak the wire protocol.
import type {CancellationToken} from "vscode-languageserver";
import {ResponseError} from "vscode-languageserver";
import {ErrorCodes, ServerSettings, ServerState, SystemInfo} from "../../../protocol/lsp";
import type {Logger} from "../../log";
import * as l10n from "../../l10n";
import type {BeforeUnload, Engine, ModelSession} from "../engine";
import {displayOrigin, HttpTarget, normalizeEndpoint, RemoteError} from "./http";
import {probeServer} from "./probe";
import {RemoteSession} from "./session";

const NO_ENDPOINT = l10n.t("No inference server is configured: set gemmaCode.remote.endpoint to its URL (e.g. http://gpu-box:8080), or set gemmaCode.engine to \"local\".");

interface Connection {
    key: string;
    target: HttpTarget;
    origin: string;
    /** Aborted when the settings replace this connection. */
    controller: AbortController;
    session?: RemoteSession;
    /** The last probe or request found the server gone; requests wait for a new probe. */
    down: boolean;
    failure?: string;
    failedAt: number;
    probing?: Promise<RemoteSession>;
    retryDelayMs: number;
    retryTimer?: NodeJS.Timeout;
    startedAt: number;
}

export class RemoteEngine implements Engine {
    readonly kind = "remote" as const;
    private state: ServerState = {status: "noModel", message: NO_ENDPOINT, engine: "remote", pid: process.pid};
    private conn: Connection | undefined;
    private settings: ServerSettings | undefined;
    private readonly hooks: BeforeUnload[] = [];
    isBusy: () => boolean = () => false;

    constructor(private readonly log: Logger, private readonly onState: (state: ServerState) => void) {}

    get currentState() {
        return this.state;
    }

    configure(settings: ServerSettings) {
        this.settings = settings;
        const r = settings.remote;
        const key = JSON.stringify([r.endpoint, r.model, r.apiKey, r.tlsVerify, r.timeoutMs]);
        if (this.conn?.key === key) return;
        const previous = this.conn;
        if (previous) this.retire(previous);
        if (!r.endpoint) {
            this.conn = undefined;
            this.setState({status: "noModel", message: NO_ENDPOINT});
            return;
        }
        let base: string;
        try {
            base = normalizeEndpoint(r.endpoint);
        } catch (error) {
            this.conn = undefined;
            this.setState({status: "error", message: (error as Error).message});
            return;
        }
        const origin = displayOrigin(base);
        const conn: Connection = {
            key, origin, controller: new AbortController(), down: true, failedAt: 0, retryDelayMs: 1000, startedAt: performance.now(),
            target: {base, apiKey: r.apiKey, tlsVerify: r.tlsVerify, timeoutMs: r.timeoutMs}
        };
        this.conn = conn;
        this.setState({status: "loading", message: l10n.t("Connecting to the inference server at {0}…", origin), endpoint: origin});
        void this.probe(conn).catch(() => undefined);
    }

    async whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession> {
        const conn = this.conn;
        if (!conn) throw new ResponseError(ErrorCodes.ModelNotReady, this.state.message);
        if (conn.session && !conn.down) return conn.session;
        // Down: probe again now (the server may be back), with one attempt and no retries, so that a request does not
        // wait long for a server that is still down; or wait for the probe already running.
        if (!conn.probing) void this.probe(conn, true).catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        let cancelListener: {dispose(): void} | undefined;
        const giveUp = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ResponseError(ErrorCodes.ModelNotReady,
                l10n.t("The inference server at {0} is not ready after {1} s: {2}", conn.origin, Math.round(timeoutMs / 1000), this.state.message))), timeoutMs);
            cancelListener = token?.onCancellationRequested(() => reject(new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Request cancelled"))));
        });
        try {
            return await Promise.race([conn.probing!, giveUp]);
        } catch (error) {
            if (error instanceof ResponseError && error.code !== ErrorCodes.EngineFailed) throw error;
            throw new ResponseError(ErrorCodes.ModelNotReady, conn.failure ?? String((error as Error).message ?? error));
        } finally {
            clearTimeout(timer);
            cancelListener?.dispose();
        }
    }

    onBeforeUnload(hook: BeforeUnload) {
        this.hooks.push(hook);
    }

    systemInfo(): Promise<SystemInfo> {
        throw new ResponseError(ErrorCodes.InvalidInput, l10n.t("The remote engine has no local system information."));
    }

    async dispose() {
        if (this.conn) this.retire(this.conn);
        this.conn = undefined;
        await this.runHooks();
    }

    private retire(conn: Connection) {
        conn.controller.abort();
        clearTimeout(conn.retryTimer);
        // Work in flight on the old server stops (as the local engine does before a reload).
        void this.runHooks();
    }

    private async runHooks() {
        for (const hook of this.hooks) await hook().catch((e) => this.log.error(`before unload: ${e}`));
    }

    private setState(state: Omit<ServerState, "pid" | "engine">) {
        this.state = {...state, engine: "remote", pid: process.pid};
        this.onState(this.state);
    }

    private isCurrent(conn: Connection) {
        return this.conn === conn;
    }

    /** Probes the server; on success the connection is up with a session, on failure it retries with backoff. */
    private probe(conn: Connection, quick = false): Promise<RemoteSession> {
        clearTimeout(conn.retryTimer);
        const probing = probeServer(conn.target, this.settings?.remote.model ?? "", conn.controller.signal, quick ? 0 : 2, (message) => {
            if (this.isCurrent(conn) && this.state.status !== "ready") this.setState({status: "loading", message, endpoint: conn.origin});
        }, this.log).then((info) => {
            if (conn.probing === probing) conn.probing = undefined;
            const session = conn.session?.sameAs(info) ? conn.session : new RemoteSession(conn.target, info, (e) => this.onRequestFailure(conn, e), this.log);
            conn.session = session;
            conn.down = false;
            conn.failure = undefined;
            conn.retryDelayMs = 1000;
            if (this.isCurrent(conn)) {
                const missing = this.settings?.remote.model && info.models.length && !info.models.includes(this.settings.remote.model)
                    ? l10n.t("Note: the server lists {0}, not \"{1}\".", info.models.slice(0, 5).join(", "), this.settings.remote.model) : "";
                this.setState({
                    status: "ready",
                    message: [l10n.t("{0} ready on {1} at {2}.", info.displayName, info.kind, conn.origin), missing].filter(Boolean).join(" "),
                    modelName: info.displayName, contextSize: info.contextSize, endpoint: conn.origin, serverKind: info.kind,
                    loadMs: Math.round(performance.now() - conn.startedAt)
                });
                this.log.info(`Remote engine ready: ${info.kind} at ${conn.origin}, model "${info.requestModel}", context ${info.contextSize}, `
                    + `~${info.charsPerToken.toFixed(2)} characters per token${missing ? ` ${missing}` : ""}`);
            }
            return session;
        }, (error: unknown) => {
            if (conn.probing === probing) conn.probing = undefined;
            const message = error instanceof Error ? error.message : String(error);
            conn.down = true;
            conn.failure = message;
            conn.failedAt = performance.now();
            if (this.isCurrent(conn) && !conn.controller.signal.aborted) {
                if (this.state.status !== "error" || this.state.message !== message) {
                    this.setState({status: "error", message, endpoint: conn.origin});
                    this.log.error(`Remote engine: ${message}`);
                }
                this.scheduleProbe(conn);
            }
            throw error;
        });
        conn.probing = probing;
        return probing;
    }

    private scheduleProbe(conn: Connection) {
        clearTimeout(conn.retryTimer);
        conn.retryTimer = setTimeout(() => {
            if (this.isCurrent(conn) && conn.down && !conn.probing) void this.probe(conn).catch(() => undefined);
        }, conn.retryDelayMs);
        conn.retryTimer.unref();
        conn.retryDelayMs = Math.min(conn.retryDelayMs * 2, 30_000);
    }

    /** A request failed: if the server looks gone, say so and probe until it is back. */
    private onRequestFailure(conn: Connection, error: RemoteError) {
        this.log.warn(`Remote engine: ${error.message}`);
        if (!error.serverDown || !this.isCurrent(conn) || conn.down) return;
        conn.down = true;
        conn.failure = error.message;
        conn.failedAt = performance.now();
        this.setState({status: "error", message: error.message, endpoint: conn.origin});
        this.scheduleProbe(conn);
    }
}
