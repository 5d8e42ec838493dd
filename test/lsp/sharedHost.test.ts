// The shared host (one process per user and model, every window an LSP connection over a Unix socket): real
// inference, real sockets, real detached processes. Each test gets its own host directory and kills every host
// it started, detached or not.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {hostPaths, TurnPolicy} from "../../protocol/host";
import type {ServerSettings} from "../../protocol/lsp";
import {HostClient, hostPidFromLock, keyOf, processGone} from "../support/hostClient";
import {endOf} from "../support/lspClient";
import {median} from "../../bench/cliArgs";
import {repoRoot, tinyModelPath} from "../support/paths";
import {t} from "../../language-server/l10n";
import {generateUntilStopped, isolatedWhile, SAMPLE, typeUntilStopped} from "../support/typingBurst";


function rssBytes(pid: number): number {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

describe("shared host: one model for all windows", function () {
    this.timeout(180_000);
    let dir: string;
    const clients: HostClient[] = [];
    const pids = new Set<number>();
    const settings: Partial<ServerSettings> = {modelPath: tinyModelPath, threads: 1, contextSize: 2048};

    const connect = async (extra: Partial<ServerSettings> = {}, idleMs = 60_000, maxSequences?: number) => {
        const client = await HostClient.connect({dir, settings: {...settings, ...extra}, idleMs, maxSequences, turns});
        clients.push(client);
        const ready = await client.waitForState((s) => s.status === "ready" || s.status === "error");
        assert.equal(ready.status, "ready", ready.message);
        pids.add(ready.pid!);
        return client;
    };

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-host-test-"));
    });
    afterEach(async () => {
        for (const c of clients.splice(0)) c.drop();
        for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".lock")) : []) {
            const pid = (JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as {pid: number}).pid;
            pids.add(pid);
        }
        for (const pid of pids) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
            assert.ok(await processGone(pid, 10_000), `host ${pid} is gone`);
        }
        pids.clear();
        fs.rmSync(dir, {recursive: true, force: true});
    });

    it("each window gets the host's messages in its own language (its initialize locale)", async () => {
        const missing = path.join(dir, "missing.gguf");
        const key = "The model file {0} does not exist: check {1} or pick another file.";
        const bundle = (locale: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "l10n/server", `bundle.l10n.${locale}.json`), "utf8"));
        const windows = [];
        for (const locale of ["hi", "es", undefined]) {
            const client = await HostClient.connect({dir, settings: {...settings, modelPath: missing}, idleMs: 60_000, locale});
            clients.push(client);
            const state = await client.waitForState((s) => s.status === "error");
            pids.add(state.pid!);
            windows.push({client, state, expected: t(locale ? bundle(locale)[key] : key, missing, "gemmaCode.modelPath")});
        }
        assert.equal(new Set(windows.map((w) => w.state.pid)).size, 1, "one host serves the three windows");
        for (const {client, state, expected} of windows) {
            assert.equal(state.message, expected);
            await client.connection.sendNotification("textDocument/didOpen", {textDocument: {uri: "file:///w/a.ts", languageId: "typescript", version: 1, text: "x\n"}});
            await assert.rejects(client.connection.sendRequest("gemma/review", {textDocument: {uri: "file:///w/a.ts"}}),
                (e: {message: string}) => e.message === expected);
        }
    });

    it("two windows load the model once: the second window costs a context, not a model", async function () {
        const realModel = execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {encoding: "utf8"}).trim();
        const modelBytes = fs.statSync(realModel).size;
        const real = {modelPath: realModel};
        // Window A: memory before the model loads (configure comes with `initialized`), then with it loaded.
        const a = await connect(real);
        const host = a.states.at(-1)!.pid!;
        await a.open("file:///a/sample.ts", SAMPLE);
        assert.ok((await a.complete("file:///a/sample.ts", endOf(SAMPLE)))?.items.length, "window A gets a completion");
        const oneWindow = rssBytes(host);
        const b = await connect(real);
        await b.open("file:///b/sample.ts", SAMPLE + "a * b;\n}\nconst total = ");
        assert.ok((await b.complete("file:///b/sample.ts", endOf(SAMPLE + "a * b;\n}\nconst total = ")))?.items.length, "window B too");
        const twoWindows = rssBytes(host);
        assert.equal(b.states.at(-1)!.pid, host, "both windows are served by one process");
        assert.equal((await a.waitForInfo((i) => i.windows === 2)).pid, host, "window A is told it shares the host");
        const info = await b.hostInfo();
        assert.deepEqual([info.windows, info.sequences], [2, 2], "two windows, each with its own completion sequence");
        const second = twoWindows - oneWindow;
        console.log(`      host RSS: one window ${mib(oneWindow)}, two windows ${mib(twoWindows)} (+${mib(second)}); model file ${mib(modelBytes)}`);
        // A second standalone server would add at least the model's weights (the file's size) again.
        assert.ok(oneWindow > modelBytes, "the measurement sees the loaded model");
        // Measured 2026-12-01: +72 MiB (its context's KV cache and compute buffers at 2048 tokens); a model is 241 MiB.
        assert.ok(second < modelBytes / 2, `the second window added ${mib(second)}, less than half the model (${mib(modelBytes)})`);
    });

    // Window B's isolated requests timed alone and while window A keeps the model busy (isolatedWhile). The host's
    // default turns (fairTurns.ts) must keep B under 2x; GEMMA_TEST_TURNS=fifo (a turn runs to its end) or off (no
    // turns: both generate at once) runs the same tests on the weaker policies, which fail them.
    const turns = (process.env.GEMMA_TEST_TURNS as TurnPolicy | undefined) ?? undefined;
    const bWhileA = async <T>(busy: (a: HostClient) => {stop(): Promise<T>}, aSettings: Partial<ServerSettings>) => {
        const a = await connect(aSettings);
        const b = await connect({completion: {candidates: 1} as ServerSettings["completion"]});
        const r = await isolatedWhile(b, () => busy(a));
        const info = await b.hostInfo();
        const aMetrics = await a.connection.sendRequest<{modelRuns: number; generatedTokens: number}>("gemma/completionMetrics");
        return {...r, alone: r.aloneMs, during: r.duringMs, aDid: r.load, paused: info.paused ?? 0,
            aTokensPerRun: aMetrics.generatedTokens / Math.max(1, aMetrics.modelRuns)};
    };

    it("a burst of keystrokes in one window delays another window's isolated requests by less than 2x", async () => {
        // A types a character every 80 ms (a fast typist); each keystroke cancels A's previous request, as VS Code does.
        const r = await bWhileA((a) => typeUntilStopped(a, "file:///a/burst.ts", 80, (s) => s.token), {});
        console.log(`      window B alone: median ${r.alone.toFixed(0)} ms (gap ${r.gapMs.toFixed(0)} ms); while A typed ${r.aDid} keys: `
            + `median ${r.during.toFixed(0)} ms; ratio ${r.ratio.toFixed(2)}; A paused ${r.paused} times (turns: ${turns ?? "fair"})`);
        assert.ok(r.aDid >= 6, "A kept typing during B's requests");
        assert.ok(r.ratio < 2, `B's time to suggestion grew ${r.ratio.toFixed(2)}x while A typed`);
    });

    it("another window's long generations delay a window's isolated requests by less than 2x (paused at a token)", async () => {
        // A asks for 1024-token suggestions at spots that open a block (nothing stops them early), back to back.
        const r = await bWhileA((a) => generateUntilStopped(a, "file:///a/long.ts"), {completion: {maxTokens: 1024, candidates: 1} as ServerSettings["completion"]});
        const aTimes = r.aDid;
        console.log(`      window B alone: median ${r.alone.toFixed(0)} ms (gap ${r.gapMs.toFixed(0)} ms); while A generated `
            + `(${aTimes.length} requests, median ${median(aTimes).toFixed(0)} ms, ${r.aTokensPerRun.toFixed(0)} tokens each): median ${r.during.toFixed(0)} ms; `
            + `ratio ${r.ratio.toFixed(2)}; A paused ${r.paused} times (turns: ${turns ?? "fair"})`);
        // The tiny model's random weights end some generations early; on average they are several times the longest
        // suggestion B can get (64 tokens), and A asks again at once, so the model is never idle.
        assert.ok(r.aTokensPerRun >= 150 && median(aTimes) > r.alone, "A's generations were long (the load this test is about)");
        assert.ok(r.ratio < 2, `B's time to suggestion grew ${r.ratio.toFixed(2)}x while A generated`);
        if (!turns) assert.ok(r.paused >= 5, "A's generations were paused for B's requests");
    });

    it("a window that disconnects mid-request leaves the other window's requests untouched", async () => {
        const a = await connect({chat: {maxTokens: 200}});
        const b = await connect({chat: {maxTokens: 200}});
        await a.open("file:///a/x.ts", SAMPLE);
        await b.open("file:///b/x.ts", SAMPLE);
        // B's chat runs on the shared task sequence (a long attachment: its prefill alone takes a while); A's chat
        // waits behind it; A's completion is in flight. Then A vanishes.
        const chat = {messages: [{role: "user", content: "Explain this code."}], context: [{label: "big.ts", text: SAMPLE.repeat(30)}]};
        const bChat = b.connection.sendRequest<{content: string}>("gemma/chat", chat);
        const aChat = a.connection.sendRequest("gemma/chat", chat).catch(() => "gone");
        void a.complete("file:///a/x.ts", endOf(SAMPLE)).catch(() => undefined);
        await b.hostInfo(); // B's chat has reached the host
        a.drop();
        await b.waitForInfo((i) => i.windows === 1);
        assert.equal(await aChat, "gone");
        const reply = await bChat;
        // Greedy decoding: the same chat alone gives the same text, so an equal reply is one that was not cut short.
        const alone = await b.connection.sendRequest<{content: string}>("gemma/chat", chat);
        console.log(`      B's chat: ${reply.content.length} characters`);
        assert.ok(reply.content.length > 0);
        assert.equal(reply.content, alone.content, "B's chat ran to its end, as it does alone");
        const metrics = await b.connection.sendRequest<{cancelled: number; superseded: number}>("gemma/completionMetrics");
        const done = await b.complete("file:///b/x.ts", endOf(SAMPLE));
        assert.ok(done && done.items.length === 1, "B still completes");
        assert.equal(metrics.cancelled + metrics.superseded, 0, "nothing of B's was cancelled");
    });

    it("the host exits after its last window has gone for the idle time, and cleans up its socket and lock", async () => {
        const a = await connect({}, 1500);
        const b = await connect({}, 1500);
        const host = (await a.hostInfo()).pid;
        const paths = hostPaths(dir, keyOf(settings));
        await a.leave();
        await b.waitForInfo((i) => i.windows === 1);
        await b.open("file:///b/x.ts", SAMPLE);
        assert.ok((await b.complete("file:///b/x.ts", endOf(SAMPLE)))?.items.length, "the host serves the remaining window");
        await b.leave();
        assert.ok(await processGone(host, 30_000), "the host exited after the idle time");
        assert.ok(!fs.existsSync(paths.socket) && !fs.existsSync(paths.lock), "socket and lock removed");
    });

    it("honours the windows' unloadAfterMinutes: the longest while they are connected; after the last, sooner than the idle time", async () => {
        // A asks for 0.6 s, B for 2.4 s: the model stays loaded for B's time; the host's own idle time is a minute.
        const a = await connect({unloadAfterMinutes: 0.01});
        const b = await connect({unloadAfterMinutes: 0.04});
        const host = (await a.hostInfo()).pid;
        await b.open("file:///b/x.ts", SAMPLE);
        // The countdown starts when a request asks for the model.
        const lastUse = performance.now();
        assert.ok((await b.complete("file:///b/x.ts", endOf(SAMPLE)))?.items.length);
        await a.waitForState((s) => s.status === "unloaded");
        const idle = performance.now() - lastUse;
        console.log(`      unloaded ${idle.toFixed(0)} ms after the last request was sent`);
        assert.ok(idle >= 2350, `the model stayed for the longest setting (2.4 s), not the shortest (0.6 s): unloaded after ${idle.toFixed(0)} ms`);
        await a.leave();
        await b.leave();
        const left = performance.now();
        assert.ok(await processGone(host, 40_000), "the host exited well before its idle time of a minute");
        console.log(`      host exited ${(performance.now() - left).toFixed(0)} ms after the last window left`);
    });

    it("a killed host is replaced by one new host that every window reconnects to", async () => {
        const windows = [await connect(), await connect(), await connect()];
        const old = (await windows[0].hostInfo()).pid;
        process.kill(old, "SIGKILL");
        await Promise.all(windows.map((w) => w.closed));
        // Every window notices at once and reconnects, as the extension's client does.
        clients.splice(0);
        const again = await Promise.all(windows.map(() => connect()));
        const infos = await Promise.all(again.map((w) => w.hostInfo()));
        assert.equal(new Set(infos.map((i) => i.pid)).size, 1, "one new host");
        assert.notEqual(infos[0].pid, old);
        assert.equal(again.filter((w) => w.startedHost).length, 1, "exactly one window started it");
        assert.equal((await again[0].waitForInfo((i) => i.windows === 3)).windows, 3);
        await again[1].open("file:///b/x.ts", SAMPLE);
        assert.ok((await again[1].complete("file:///b/x.ts", endOf(SAMPLE)))?.items.length, "completions work on the new host");
    });

    it("recovers a stale socket and lock left by a killed host", async () => {
        const a = await connect();
        const old = (await a.hostInfo()).pid;
        const paths = hostPaths(dir, keyOf(settings));
        process.kill(old, "SIGKILL");
        await a.closed;
        clients.splice(0);
        assert.ok(await processGone(old));
        assert.ok(fs.existsSync(paths.socket) && hostPidFromLock(dir, settings) === old, "the killed host left its socket and lock");
        const b = await connect();
        assert.ok(b.startedHost);
        assert.notEqual((await b.hostInfo()).pid, old);
        await b.open("file:///b/x.ts", SAMPLE);
        assert.ok((await b.complete("file:///b/x.ts", endOf(SAMPLE)))?.items.length);
    });

    it("windows beyond the sequence limit share sequences; the socket is the user's only", async () => {
        const windows = [await connect({}, 60_000, 2), await connect({}, 60_000, 2), await connect({}, 60_000, 2)];
        for (const [i, w] of windows.entries()) {
            await w.open(`file:///w${i}/x.ts`, SAMPLE);
            assert.ok((await w.complete(`file:///w${i}/x.ts`, endOf(SAMPLE)))?.items.length, `window ${i} completes`);
        }
        const info = await windows[0].hostInfo();
        assert.deepEqual([info.windows, info.sequences, info.sequenceLimit], [3, 2, 2]);
        const paths = hostPaths(dir, keyOf(settings));
        assert.equal(fs.statSync(paths.socket).mode & 0o777, 0o600, "socket 0600");
        assert.equal(fs.statSync(dir).mode & 0o777, 0o700, "directory 0700");
    });
});
