// Gemma 3 270M with its real weights (scripts/fetch-real-model.sh: pinned, hashed, cached outside the repository).
import {execFileSync} from "node:child_process";
import path from "node:path";
import {repoRoot} from "./paths";

let cached: string | undefined;

/** The model file's path; fetches it the first time on a machine. */
export function realModelPath(): string {
    cached ??= execFileSync("bash", [path.join(repoRoot, "scripts/fetch-real-model.sh")], {
        cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 30 * 60_000
    }).trim().split("\n").at(-1)!;
    return cached;
}
