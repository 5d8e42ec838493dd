// A real llama.cpp `llama-server` for the remote-engine tests: built for the CPU from the llama.cpp source that
// node-llama-cpp ships (scripts/build-llama-server.sh, cached outside the repository), serving the tiny model on
// 127.0.0.1. Also the test's engine settings for each engine.
import {ChildProcess, execFileSync, spawn} from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type {ServerSettings} from "../../protocol/lsp";
import {repoRoot, tinyModelPath} from "./paths";

let binary: string | undefined;

/** The llama-server binary; builds it (minutes on 2 cores) the first time on a machine. */
export function llamaServerBinary(): string {
    if (binary) return binary;
    const out = execFileSync("bash", [path.join(repoRoot, "scripts/build-llama-server.sh")], {
        cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 60 * 60_000
    });
    binary = out.trim().split("\n").at(-1)!;
    return binary;
}

export interface LlamaServerOptions {
    port?: number;
    apiKey?: string;
    contextSize?: number;
    args?: string[];
    /** GGUF to serve (default: the tiny test model). */
    model?: string;
}

export class LlamaServer {
    readonly logs: string[] = [];
    private exited: Promise<number | null>;

    private constructor(readonly child: ChildProcess, readonly port: number, readonly options: LlamaServerOptions) {
        child.stdout!.on("data", (d) => this.log(String(d)));
        child.stderr!.on("data", (d) => this.log(String(d)));
        this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    }

    get url() {
        return `http://127.0.0.1:${this.port}`;
    }

    /** Starts llama-server with the tiny model and waits until /health answers 200. */
    static async start(options: LlamaServerOptions = {}): Promise<LlamaServer> {
        const port = options.port ?? await freePort();
        const args = ["-m", options.model ?? tinyModelPath, "--host", "127.0.0.1", "--port", String(port), "--threads", "2",
            "--ctx-size", String(options.contextSize ?? 4096), "--parallel", "1",
            // No busy-wait polling between work items: on a 2-core machine shared with other jobs, llama.cpp's default
            // polling made the tiny model run at ~2 tokens/s instead of ~1,800 (measured here, same load).
            "--poll", "0",
            ...(options.apiKey ? ["--api-key", options.apiKey] : []),
            ...(options.args ?? [])];
        const child = spawn(llamaServerBinary(), args, {stdio: ["ignore", "pipe", "pipe"]});
        const server = new LlamaServer(child, port, options);
        const deadline = Date.now() + 60_000;
        for (;;) {
            if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}:\n${server.logs.join("").slice(-3000)}`);
            if (await healthy(port)) return server;
            if (Date.now() > deadline) {
                child.kill("SIGKILL");
                throw new Error(`llama-server did not get healthy in 60 s:\n${server.logs.join("").slice(-3000)}`);
            }
            await new Promise((r) => setTimeout(r, 100));
        }
    }

    /** Starts another llama-server on the same port with the same options (after kill()). */
    restart(): Promise<LlamaServer> {
        return LlamaServer.start({...this.options, port: this.port});
    }

    kill(signal: NodeJS.Signals = "SIGKILL") {
        this.child.kill(signal);
    }

    async stop() {
        if (this.child.exitCode !== null || this.child.signalCode !== null) return;
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
        await this.exited;
        clearTimeout(timer);
    }

    private log(text: string) {
        this.logs.push(text);
        if (this.logs.length > 2000) this.logs.splice(0, 1000);
    }
}

function healthy(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const req = http.get({host: "127.0.0.1", port, path: "/health", timeout: 1000}, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
        });
        req.on("error", () => resolve(false));
        req.on("timeout", () => {
            req.destroy();
            resolve(false);
        });
    });
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

export type EngineName = "local" | "remote";
export const ENGINES: EngineName[] = ["local", "remote"];

type DeepPartial<T> = {[K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K]};

/** The settings that select `engine` for a test client ({} for the local engine: the tiny model is the default). */
export function engineSettings(engine: EngineName, server: LlamaServer | undefined, remote: Partial<ServerSettings["remote"]> = {}): DeepPartial<ServerSettings> {
    if (engine === "local") return {};
    if (!server) throw new Error("the remote engine needs a llama-server");
    return {engine: "remote", remote: {endpoint: server.url, apiKey: server.options.apiKey ?? "", ...remote}};
}
