// A tiny HTTP server in front of a real llama-server that records and passes everything through, except the next
// generation request when a fault is armed: it answers HTTP 500, or a malformed event stream. Also a TCP listener
// that accepts connections and never says a word.
import http from "node:http";
import net from "node:net";

export type Fault = "http500" | "malformedSse";

const GENERATION_PATHS = new Set(["/v1/completions", "/v1/chat/completions", "/infill", "/completion"]);

export class FaultProxy {
    /** Applies to the next generation request only. */
    fault: Fault | undefined;
    /** Generation requests that got a fault. */
    readonly faulted: string[] = [];
    /** Every request, as "METHOD /path". */
    readonly requests: string[] = [];

    private constructor(private readonly server: http.Server, private readonly upstream: URL) {}

    get url() {
        return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    }

    static async start(upstream: string): Promise<FaultProxy> {
        let proxy!: FaultProxy;
        const server = http.createServer((req, res) => proxy.handle(req, res));
        proxy = new FaultProxy(server, new URL(upstream));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return proxy;
    }

    close() {
        this.server.closeAllConnections();
        return new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse) {
        this.requests.push(`${req.method} ${req.url}`);
        const fault = GENERATION_PATHS.has(req.url ?? "") ? this.fault : undefined;
        if (fault) {
            this.fault = undefined;
            this.faulted.push(`${fault} ${req.url}`);
            req.resume();
            if (fault === "http500") {
                res.writeHead(500, {"content-type": "application/json"});
                res.end(JSON.stringify({error: {code: 500, message: "simulated internal error", type: "server_error"}}));
            } else {
                // Looks like a stream, but one event's data is cut and another is not JSON at all.
                res.writeHead(200, {"content-type": "text/event-stream"});
                res.write("data: {\"choices\":[{\"text\":\"con\",\"index\":0,\"finish_reason\":null}]}\n\n");
                res.write("data: {\"choices\":[{\"text\":\"st x\n\n");
                res.write("data: <html>upstream timed out</html>\n\n");
                res.end();
            }
            return;
        }
        const upstream = http.request({
            host: this.upstream.hostname, port: this.upstream.port, path: req.url, method: req.method, headers: req.headers
        }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.on("error", () => res.destroy());
            up.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        res.on("close", () => upstream.destroy());
        req.pipe(upstream);
    }
}

/** A TCP server that accepts connections and never answers (a hung server, or a firewall that swallows packets). */
export async function silentServer(): Promise<{url: string; close(): Promise<void>}> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () => new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        })
    };
}
