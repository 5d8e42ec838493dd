// Time to suggestion with the local engine and with the remote engine (a real llama-server on loopback), on the
// tiny model: the same prompts, in the same run, interleaved so both see the same machine load. Prints the ratio.
import assert from "node:assert/strict";
import {LlamaServer, engineSettings} from "../support/llamaServer";
import {endOf, TestLspClient} from "../support/lspClient";

const BASE = `import {readFileSync} from "node:fs";

export interface User {
    id: number;
    name: string;
    email: string;
}

export function loadUsers(path: string): User[] {
    const text = readFileSync(path, "utf8");
    return JSON.parse(text) as User[];
}

export function findUser(users: User[], id: number): User | undefined {
`;
const LINES = [
    "    return users.find((u) => ", "    for (const user of ", "    const byId = new Map(", "    if (users.length === 0) ",
    "    const index = users.findIndex(", "    let result: User | undefined = ", "    return users.filter((u) => u.id === id)",
    "    const sorted = [...users].sort(", "    console.log(`looking for ${id}", "    const match = users.find(",
    "    if (!Number.isInteger(id)) throw new ", "    return users.length > 0 ? "
];

function median(values: number[]) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

describe("time to suggestion: local vs remote engine (tiny model, loopback)", function () {
    this.timeout(10 * 60_000);
    let server: LlamaServer | undefined;
    const clients: TestLspClient[] = [];

    after(async () => {
        for (const c of clients) if (c.child.exitCode === null) await c.shutdown();
        await server?.stop();
    });

    it("answers the same prompts with both engines and reports the ratio of their median latencies", async () => {
        server = await LlamaServer.start();
        const uri = "file:///w/users.ts";
        // The local engine as configured by default (threads = cores), the local engine with one thread (on a 2-core
        // machine its JavaScript thread competes with two compute threads), and the remote engine.
        const configs = [
            {name: "local", settings: engineSettings("local", server)},
            {name: "local, 1 thread", settings: {threads: 1}},
            {name: "remote", settings: engineSettings("remote", server)}
        ];
        for (const config of configs) {
            const {client} = await TestLspClient.start({settings: config.settings});
            clients.push(client);
            await client.waitForState((s) => s.status === "ready");
            const warmUp = `${BASE}    // warm-up`;
            await client.open(uri, warmUp);
            // Warm-up: the first request pays for the whole prompt; the measured ones reuse its KV prefix.
            await client.complete(uri, endOf(warmUp));
        }
        const times = configs.map(() => [] as number[]);
        const speeds = configs.map(() => [] as number[]);
        let same = 0;
        for (let i = 0; i < LINES.length; i++) {
            const text = BASE + LINES[i];
            const answers: string[] = [];
            for (const [k, client] of clients.entries()) {
                await client.change(uri, text, i + 2);
                const started = performance.now();
                const result = await client.complete(uri, endOf(text));
                times[k].push(performance.now() - started);
                const stats = client.stats.at(-1);
                if (stats?.source === "model" && stats.tokensPerSecond) speeds[k].push(stats.tokensPerSecond);
                assert.ok(result && Array.isArray(result.items), `${configs[k].name} answered`);
                answers.push(String(result.items[0]?.insertText ?? ""));
            }
            if (answers[0] === answers[2]) same++;
        }
        const medians = times.map(median);
        for (const [k, config] of configs.entries()) {
            console.log(`      ${config.name.padEnd(16)} median ${medians[k].toFixed(1).padStart(6)} ms, ${median(speeds[k])} tok/s: `
                + times[k].map((t) => t.toFixed(0)).join(" "));
        }
        console.log(`      time to suggestion, remote (llama-server on loopback) ÷ local: ${(medians[2] / medians[0]).toFixed(2)} `
            + `(÷ local with 1 thread: ${(medians[2] / medians[1]).toFixed(2)}); identical suggestions local/remote ${same}/${LINES.length}`);
    });
});
