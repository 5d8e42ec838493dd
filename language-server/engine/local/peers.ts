// Detects other Gemma Code servers on this machine that hold the same model: each VS Code window runs its own
// server, and two windows would each load a 6 GB model. We register ourselves in a per-user folder and warn
// (log + state message) when another live server has the same file loaded. One shared server per machine is
// the planned next step; this keeps the cost visible until then.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = path.join(os.tmpdir(), `gemma-code-${os.userInfo().uid}`, "servers");
const me = path.join(dir, `${process.pid}.json`);

interface Entry {
    pid: number;
    modelPath: string;
}

/** Records that this process holds `modelPath` (or nothing) and returns the other live servers holding it. */
export function registerModel(modelPath: string | undefined): number[] {
    try {
        fs.mkdirSync(dir, {recursive: true});
        if (modelPath) fs.writeFileSync(me, JSON.stringify({pid: process.pid, modelPath} satisfies Entry));
        else fs.rmSync(me, {force: true});
        if (!modelPath) return [];
        const peers: number[] = [];
        for (const name of fs.readdirSync(dir)) {
            const file = path.join(dir, name);
            if (file === me) continue;
            let entry: Entry;
            try {
                entry = JSON.parse(fs.readFileSync(file, "utf8")) as Entry;
            } catch {
                continue;
            }
            if (!isAlive(entry.pid)) {
                fs.rmSync(file, {force: true});
                continue;
            }
            if (entry.modelPath === modelPath) peers.push(entry.pid);
        }
        return peers;
    } catch {
        return []; // best effort: never fail a load over bookkeeping
    }
}

export function unregister() {
    try {
        fs.rmSync(me, {force: true});
    } catch {
        // ignore
    }
}

function isAlive(pid: number) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}
