// What the shared host saves and costs, measured in one run on this machine (npm run bench:shared):
//   memory of 1 and 3 windows: separate servers (gemmaCode.server.shared off) vs one shared host;
//   time to suggestion of one window's isolated requests while another types, and while another generates long
//   suggestions (1024 tokens), as a ratio to the same window alone: separate servers, and the shared host with each
//   of its turn policies (fair: the default; fifo: a turn runs to its end; off: no turns), measured one after another.
// Options: --turns-only (the shared host's turn policies only), --model FILE (default: Gemma 3 270M from scripts/fetch-real-model.sh), --threads N (default 1),
// --out FILE. Prints a table and writes JSON (bench/.out/ by default).
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {ServerSettings} from "../protocol/lsp";
import {HostClient, processGone} from "../test/support/hostClient";
import {TestLspClient} from "../test/support/lspClient";
import {repoRoot} from "../test/support/paths";
import type {TurnPolicy} from "../protocol/host";
import {EditorWindow, generateUntilStopped, isolatedWhile, SAMPLE, typeUntilStopped} from "../test/support/typingBurst";
import {arg, intArg} from "./cliArgs";

const model = arg("--model") ?? execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8"}).trim();
const settings: Partial<ServerSettings> = {modelPath: model, threads: intArg("--threads", 1, 1), contextSize: 2048};
const turnsOnly = process.argv.includes("--turns-only");
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

/** Window B's isolated requests while A types (a key every 40 ms), then while A generates 1024-token suggestions. */
async function whileBusy(typist: EditorWindow, other: EditorWindow, longTypist: EditorWindow, token: (s: import("vscode-jsonrpc/node").CancellationTokenSource) => unknown) {
    const typing = await isolatedWhile(other, () => typeUntilStopped(typist, "file:///burst.ts", 40, token));
    const generating = await isolatedWhile(other, () => generateUntilStopped(longTypist, "file:///long.ts"), "file:///b/isoLong.ts");
    const pick = (r: {aloneMs: number; duringMs: number; ratio: number}) => ({aloneMs: r.aloneMs, duringMs: r.duringMs, ratio: r.ratio});
    return {typing: {...pick(typing), keys: typing.load}, generating: {...pick(generating), requests: generating.load.length}};
}

const long = {...settings, completion: {maxTokens: 1024, candidates: 1} as ServerSettings["completion"]};
const single = {...settings, completion: {candidates: 1} as ServerSettings["completion"]};

async function separate(n: number) {
    // Window 0 types, window 1 measures, window 2 (when there are 3) generates long suggestions.
    const each = [single, single, long];
    const clients = await Promise.all(Array.from({length: n}, (_, i) => TestLspClient.start({settings: each[i]}).then((r) => r.client)));
    await Promise.all(clients.map((c) => c.waitForState((s) => s.status === "ready")));
    await warm(clients);
    const mem = sum(clients.map((c) => memory(c.child.pid!)));
    const busy = n >= 3 ? await whileBusy(clients[0], clients[1], clients[2], (s) => s) : undefined;
    for (const c of clients) c.kill();
    return {mem, busy};
}

async function shared(n: number, turns: TurnPolicy = "fair") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-host-bench-"));
    const windows: HostClient[] = [];
    const each = [single, single, long];
    for (let i = 0; i < n; i++) windows.push(await HostClient.connect({dir, settings: each[i], turns}));
    await Promise.all(windows.map((w) => w.waitForState((s) => s.status === "ready")));
    await warm(windows);
    const pid = (await windows[0].hostInfo()).pid;
    const mem = memory(pid);
    const busy = n >= 3 ? await whileBusy(windows[0], windows[1], windows[2], (s) => s.token) : undefined;
    for (const w of windows) w.drop();
    process.kill(pid, "SIGKILL");
    await processGone(pid);
    fs.rmSync(dir, {recursive: true, force: true});
    return {mem, busy};
}

async function main() {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    const results = {
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model}, ${mib(os.totalmem())} RAM`, model: path.basename(model),
        modelBytes: fs.statSync(model).size, settings, loadAverageBefore: os.loadavg(),
        // --turns-only: the shared host's three turn policies alone (the memory columns do not depend on them).
        ...(turnsOnly ? {separate1: undefined, separate3: undefined, shared1: undefined} : {separate1: await separate(1), separate3: await separate(3),
            shared1: await shared(1)}),
        shared3: await shared(3),
        shared3fifo: await shared(3, "fifo"), shared3off: await shared(3, "off"), loadAverageAfter: [] as number[]
    };
    results.loadAverageAfter = os.loadavg();
    const columns = [results.separate1, results.separate3, results.shared1, results.shared3, results.shared3fifo, results.shared3off];
    const row = (name: string, f: (r: NonNullable<typeof results.shared3>) => string | undefined) =>
        `| ${name} | ${columns.map((c) => (c && f(c)) ?? "–").join(" | ")} |`;
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(`\n${results.machine}; model ${results.model} (${mib(results.modelBytes)}); load average ${results.loadAverageBefore[0].toFixed(1)} `
        + `before, ${results.loadAverageAfter[0].toFixed(1)} after\n`);
    console.log("| | separate, 1 window | separate, 3 windows | shared, 1 window | shared, 3 windows | shared, 3, turns fifo | shared, 3, turns off |\n"
        + "|---|---|---|---|---|---|---|");
    console.log(row("memory, RSS (sum of processes)", (r) => mib(r.mem.rss)));
    console.log(row("memory, PSS (sum of processes)", (r) => mib(r.mem.pss)));
    console.log(row("window B alone: time to suggestion (median)", (r) => r.busy && ms(r.busy.typing.aloneMs)));
    console.log(row("B while A types (a key every 40 ms)", (r) => r.busy && ms(r.busy.typing.duringMs)));
    console.log(row("**ratio while A types ÷ alone**", (r) => r.busy && `**${r.busy.typing.ratio.toFixed(2)}**`));
    console.log(row("B alone, measured around the next row", (r) => r.busy && ms(r.busy.generating.aloneMs)));
    console.log(row("B while C generates 1024-token suggestions", (r) => r.busy && ms(r.busy.generating.duringMs)));
    console.log(row("**ratio while C generates ÷ alone**", (r) => r.busy && `**${r.busy.generating.ratio.toFixed(2)}**`));
    const s = results.shared3.mem, p = results.separate3?.mem;
    if (p) console.log(`\n3 windows: shared ÷ separate memory = ${(s.rss / p.rss).toFixed(2)} (RSS), ${(s.pss / p.pss).toFixed(2)} (PSS)`);
    fs.mkdirSync(path.dirname(outFile), {recursive: true});
    fs.writeFileSync(outFile, JSON.stringify(results, null, 2));
    console.log(`wrote ${outFile}`);
    process.exit(0);
}

void main().catch((error) => {
    console.error(error);
    process.exit(1);
});
