// A loopback npm registry for one package version: serves the version document (GET /<name>/<version>) and the
// real tarball with Range support, can break a download off after N bytes, and records what it was asked.
import fs from "node:fs";
import http from "node:http";
import type {AddressInfo} from "node:net";

export interface TarballRequest {
    range?: string;
    status: number;
    bytesSent: number;
}

export class LoopbackRegistry {
    readonly tarballRequests: TarballRequest[] = [];
    /** Breaks the next tarball response off (destroys the socket) after this many body bytes. */
    cutNextAfter: number | undefined;
    /** Published integrity; defaults to the true one. */
    integrity: string;
    private server!: http.Server;

    constructor(private readonly name: string, private readonly version: string, private readonly tarball: string,
                trueIntegrity: string) {
        this.integrity = trueIntegrity;
    }

    get origin() {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    }

    async start(): Promise<this> {
        this.server = http.createServer((req, res) => this.handle(req, res));
        await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
        return this;
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse) {
        const docPath = `/${this.name.replace("/", "%2f")}/${this.version}`;
        if (req.url === docPath) {
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify({name: this.name, version: this.version,
                dist: {tarball: `${this.origin}tarballs/package.tgz`, integrity: this.integrity}}));
            return;
        }
        if (req.url !== "/tarballs/package.tgz") {
            res.statusCode = 404;
            res.end();
            return;
        }
        const size = fs.statSync(this.tarball).size;
        const range = req.headers.range;
        const start = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
        const record: TarballRequest = {range, status: range ? 206 : 200, bytesSent: 0};
        this.tarballRequests.push(record);
        res.writeHead(record.status, {"content-length": size - start, "accept-ranges": "bytes",
            ...(range ? {"content-range": `bytes ${start}-${size - 1}/${size}`} : {})});
        const cut = this.cutNextAfter;
        this.cutNextAfter = undefined;
        const stream = fs.createReadStream(this.tarball, {start, end: cut === undefined ? undefined : start + cut - 1});
        stream.on("data", (chunk) => {
            record.bytesSent += chunk.length;
            res.write(chunk);
        });
        stream.on("end", () => cut === undefined ? res.end() : res.socket?.destroy());
    }

    stop() {
        this.server.closeAllConnections();
        return new Promise<void>((r) => this.server.close(() => r()));
    }
}
