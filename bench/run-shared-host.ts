// What the shared host saves and costs, measured in one run on this machine (npm run bench:shared):
//   memory of 1 and 3 windows: separate servers (gemmaCode.server.shared off) vs one shared host;
//   time to suggestion of one window while another types, as a ratio to the same window alone, both ways.
// Options: --model FILE (default: Gemma 3 270M from scripts/fetch-real-model.sh), --threads N (default 1),
// --out FILE. Prints a table and writes JSON (bench/.out/ by default).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {ServerSettings} from "../protocol/lsp";
import {HostClient, processGone} from "../test/support/hostClient";
import {TestLspClient} from "../test/support/lspClient";
import {repoRoot} from "../test/support/paths";
import {EditorWindow, isolatedRequests, SAMPLE, typeUntilStopped} from "../test/support/typingBurst";
import {arg, intArg, median} from "./cliArgs";

const model = arg("--model") ?? execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8"}).trim();
const settings: Partial<ServerSettings> = {modelPath: model, threads: intArg("--threads", 1, 1), contextSize: 2048};
const outFile = arg("--out") ?? path.join(repoRoot, "bench/.out", `shared-host-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);

/** Resident and proportional memory (PSS splits pages shared with other processes, e.g. one mmap'd model file). */
function memory(pid: number) {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)![1]) * 1024;
    return {rss: kb("Rss"), pss: kb("Pss")};
}

const sum = (xs: {rss: number; pss: number}[]) => xs.reduce((a, b) => ({rss: a.rss + b.rss, pss: a.pss + b.pss}), {rss: 0, pss: 0});

/** Every window opens a file and gets one completion, so each has its sequence and its buffers in use. */
async function warm(windows: EditorWindow[]) {
    for (const [i, w] of windows.entries()) {
        await w.open(`file:///w${i}/x.ts`, SAMPLE);
        await w.complete(`file:///w${i}/x.ts`, {line: 5, character: 19});
    }
}

async function whileTyping(typist: EditorWindow, other: EditorWindow, token: (s: import("vscode-jsonrpc/node").CancellationTokenSource) => unknown) {
    await isolatedRequests(other, "file:///iso.ts", 0, 1);
    const alone = await isolatedRequests(other, "file:///iso.ts", 1, 8);
    const typing = typeUntilStopped(typist, "file:///burst.ts", 40, token);
    const during = await isolatedRequests(other, "file:///iso.ts", 9, 8);
    const keys = await typing.stop();
    return {aloneMs: median(alone), duringMs: median(during), ratio: median(during) / median(alone), keys};
}

async function separate(n: number) {
    const clients = await Promise.all(Array.from({length: n}, () => TestLspClient.start({settings}).then((r) => r.client)));
    await Promise.all(clients.map((c) => c.waitForState((s) => s.status === "ready")));
    await warm(clients);
    const mem = sum(clients.map((c) => memory(c.child.pid!)));
    const typing = n >= 2 ? await whileTyping(clients[0], clients[1], (s) => s) : undefined;
    for (const c of clients) c.kill();
    return {mem, typing};
}

async function shared(n: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-host-bench-"));
    const windows: HostClient[] = [];
    for (let i = 0; i < n; i++) windows.push(await HostClient.connect({dir, settings}));
    await Promise.all(windows.map((w) => w.waitForState((s) => s.status === "ready")));
    await warm(windows);
    const pid = (await windows[0].hostInfo()).pid;
    const mem = memory(pid);
    const typing = n >= 2 ? await whileTyping(windows[0], windows[1], (s) => s.token) : undefined;
    for (const w of windows) w.drop();
    process.kill(pid, "SIGKILL");
    await processGone(pid);
    fs.rmSync(dir, {recursive: true, force: true});
    return {mem, typing};
}

async function main() {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const results = {
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${mib(os.totalmem())} RAM`, model: path.basename(model),
        modelBytes: fs.statSync(model).size, settings,
        separate1: await separate(1), separate3: await separate(3), shared1: await shared(1), shared3: await shared(3)
    };
    const row = (name: string, f: (r: typeof results.separate1) => string) =>
        `| ${name} | ${f(results.separate1)} | ${f(results.separate3)} | ${f(results.shared1)} | ${f(results.shared3)} |`;
    console.log(`\n${results.machine}; model ${results.model} (${mib(results.modelBytes)})\n`);
    console.log("| | separate, 1 window | separate, 3 windows | shared, 1 window | shared, 3 windows |\n|---|---|---|---|---|");
    console.log(row("memory, RSS (sum of processes)", (r) => mib(r.mem.rss)));
    console.log(row("memory, PSS (sum of processes)", (r) => mib(r.mem.pss)));
    console.log(row("window B alone: time to suggestion (median)", (r) => (r.typing ? `${r.typing.aloneMs.toFixed(0)} ms` : "–")));
    console.log(row("window B while A types: time to suggestion (median)", (r) => (r.typing ? `${r.typing.duringMs.toFixed(0)} ms` : "–")));
    console.log(row("**ratio while typing ÷ alone**", (r) => (r.typing ? `**${r.typing.ratio.toFixed(2)}**` : "–")));
    const s = results.shared3.mem, p = results.separate3.mem;
    console.log(`\n3 windows: shared ÷ separate memory = ${(s.rss / p.rss).toFixed(2)} (RSS), ${(s.pss / p.pss).toFixed(2)} (PSS)`);
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
    console.log(`wrote ${outFile}`);
    process.exit(0);
}

void main().catch((error) => {
    console.error(error);
    process.exit(1);
});
