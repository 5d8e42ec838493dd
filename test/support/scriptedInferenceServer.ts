// MOCK of a misbehaving OpenAI-compatible inference server: a real llama-server or vLLM cannot be made to send
// control characters, a 3 MB event or an endless stream on purpose, so this one sends what the test scripts. It
// answers the remote engine's probe (/health, /v1/models; no /props, no /tokenize: an "openai-compatible" server)
// and streams POST /v1/completions and /v1/chat/completions from `script`.
import http from "node:http";
import type net from "node:net";

export interface StreamLog {
    /** The path that was answered (/v1/completions or /v1/chat/completions). */
    url: string;
    /** Events written before the client closed the stream, or the script ended. */
    eventsWritten: number;
    /** True when the client closed the connection before the script ended. */
    closedByClient: boolean;
}

/** The POST being answered: its path and its JSON body (undefined when it is not JSON). */
export interface ScriptedRequest {
    url: string;
    body: unknown;
}

/** Writes the events of one answer; `write` returns false once the client has gone. */
export type Script = (write: (data: string) => boolean, request: ScriptedRequest) => Promise<void> | void;

export class ScriptedInferenceServer {
    script: Script = (write) => {
        write(JSON.stringify({choices: [{text: "ok", finish_reason: "stop"}]}));
        write("[DONE]");
    };
    readonly streams: StreamLog[] = [];
    private waiters: ((log: StreamLog) => void)[] = [];

    private constructor(private readonly server: http.Server) {}

    get url() {
        return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    }

    static async start(): Promise<ScriptedInferenceServer> {
        let mock!: ScriptedInferenceServer;
        const server = http.createServer((req, res) => void mock.handle(req, res));
        mock = new ScriptedInferenceServer(server);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return mock;
    }

    /** Resolves with the log of the next answer once it is over (ended by the script or closed by the client). */
    nextStreamDone(): Promise<StreamLog> {
        return new Promise((resolve) => this.waiters.push(resolve));
    }

    /** Resolves with the log of the next answer to `url` once it is over. */
    async nextStreamDoneOf(url: string): Promise<StreamLog> {
        for (;;) {
            const log = await this.nextStreamDone();
            if (log.url === url) return log;
        }
    }

    close() {
        this.server.closeAllConnections();
        return new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        const received = new Promise<string>((resolve) => req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8"))));
        if (req.method === "GET" && req.url === "/health") return void res.writeHead(200, {"content-type": "application/json"}).end("{\"status\":\"ok\"}");
        if (req.method === "GET" && req.url === "/v1/models") {
            return void res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify({data: [{id: "scripted-mock", max_model_len: 4096}]}));
        }
        if (req.method !== "POST" || !/^\/v1\/(chat\/)?completions$/.test(req.url ?? "")) return void res.writeHead(404).end();
        const log: StreamLog = {url: req.url ?? "", eventsWritten: 0, closedByClient: false};
        res.on("close", () => {
            if (!res.writableEnded) log.closedByClient = true;
        });
        const text = await received;
        let body: unknown;
        try {
            body = JSON.parse(text);
        } catch {
            body = undefined;
        }
        res.writeHead(200, {"content-type": "text/event-stream"});
        const write = (data: string) => {
            if (res.destroyed || log.closedByClient) return false;
            log.eventsWritten++;
            res.write(`data: ${data}\n\n`);
            return true;
        };
        await this.script(write, {url: req.url ?? "", body});
        if (!res.destroyed) res.end();
        // "close" comes after end() or the client's close: the log is final then.
        if (!res.closed) await new Promise((r) => res.once("close", r));
        this.streams.push(log);
        for (const w of this.waiters.splice(0)) w(log);
    }
}
