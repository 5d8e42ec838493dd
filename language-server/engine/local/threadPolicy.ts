// How many CPU threads llama.cpp computes with when gemmaCode.threads is 0. From measurement (README, "Threads"),
// not "all cores":
// - SMT siblings share one core's execution units: llama.cpp's own default counts physical cores only;
// - this process's JavaScript thread (LSP, prompt building, sampling glue) and the editor need a core too: on
//   2 cores, two compute threads that spin-wait against the JavaScript thread were 7x slower than one (issue 14);
// - a model wholly on the GPU needs the CPU only to feed it: a few threads, more only add synchronisation.
import fs from "node:fs";
import os from "node:os";

/** Threads when every layer is on the GPU (llama.cpp's examples use a handful for offloaded models). */
const GPU_THREADS = 2;

export interface ThreadPolicyInput {
    /** gemmaCode.threads: > 0 is the user's choice and always wins. */
    setting: number;
    physicalCores: number;
    /** Every layer of the model is on the GPU. */
    fullyOffloaded: boolean;
}

export function threadsFor({setting, physicalCores, fullyOffloaded}: ThreadPolicyInput): number {
    if (setting > 0) return setting;
    const cores = Math.max(1, physicalCores);
    if (fullyOffloaded) return Math.min(GPU_THREADS, cores);
    // One core left for the server's own thread and the editor.
    return Math.max(1, cores - 1);
}

/**
 * Physical cores this process may run on: distinct (package, core) pairs of the online CPUs from Linux sysfs,
 * scaled down to this process's affinity set. Elsewhere (no sysfs) the logical CPU count: SMT cannot be told apart.
 */
export function physicalCores(): number {
    const logical = os.availableParallelism();
    try {
        const online = parseCpuList(fs.readFileSync("/sys/devices/system/cpu/online", "utf8"));
        const cores = new Set<string>();
        for (const cpu of online) {
            const dir = `/sys/devices/system/cpu/cpu${cpu}/topology`;
            const pkg = fs.readFileSync(`${dir}/physical_package_id`, "utf8").trim();
            const core = fs.readFileSync(`${dir}/core_id`, "utf8").trim();
            cores.add(`${pkg}/${core}`);
        }
        if (cores.size === 0) return logical;
        // An affinity mask (taskset, containers) can give this process fewer CPUs than the machine has online.
        const smt = online.length / cores.size;
        return Math.max(1, Math.min(cores.size, Math.round(logical / smt)));
    } catch {
        return logical;
    }
}

/** "0-3,8,10-11" → [0, 1, 2, 3, 8, 10, 11]. */
export function parseCpuList(text: string): number[] {
    const out: number[] = [];
    for (const part of text.trim().split(",")) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
        if (!m) continue;
        const from = Number(m[1]), to = Number(m[2] ?? m[1]);
        for (let i = from; i <= to && out.length < 4096; i++) out.push(i);
    }
    return out;
}
