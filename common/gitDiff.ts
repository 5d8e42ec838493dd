// Reads `git diff` output into the changed line ranges of each file, so "Review Changes" (the extension) and
// `gemma-code review --staged` (the CLI) review only what changed, with some surrounding context.
import * as l10n from "../language-server/l10n";
import {execFile} from "node:child_process";

export interface ChangedFile {
    /** Path relative to the repository root (the "b/" side). */
    path: string;
    /** 0-based, end-exclusive line ranges in the new version of the file. */
    ranges: {start: number; end: number}[];
}

/** Parses unified diff text (git diff -U0 or with context); deleted files are skipped. */
export function parseUnifiedDiff(diff: string, contextLines = 3): ChangedFile[] {
    const files: ChangedFile[] = [];
    let current: ChangedFile | undefined;
    for (const line of diff.split("\n")) {
        if (line.startsWith("+++ ")) {
            const target = line.slice(4).trim();
            current = target === "/dev/null" ? undefined : {path: target.replace(/^b\//, ""), ranges: []};
            if (current) files.push(current);
            continue;
        }
        const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
        if (hunk && current) {
            const start = Number(hunk[1]);
            const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
            if (count === 0) continue; // a pure deletion: nothing to review on the new side
            current.ranges.push({start: Math.max(0, start - 1 - contextLines), end: start - 1 + count + contextLines});
        }
    }
    for (const f of files) f.ranges = mergeRanges(f.ranges);
    return files.filter((f) => f.ranges.length > 0);
}

function mergeRanges(ranges: {start: number; end: number}[]) {
    const sorted = [...ranges].sort((a, b) => a.start - b.start);
    const out: {start: number; end: number}[] = [];
    for (const r of sorted) {
        const last = out.at(-1);
        if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
        else out.push({...r});
    }
    return out;
}

/** Runs git in `cwd`: the repository root, and the working-tree or staged diff. */
export async function gitChanges(cwd: string, staged: boolean): Promise<{root: string; files: ChangedFile[]}> {
    const root = (await git(cwd, ["rev-parse", "--show-toplevel"])).trim();
    const diff = await git(root, ["diff", "--no-color", "--no-ext-diff", "-U0", ...(staged ? ["--staged"] : [])]);
    return {root, files: parseUnifiedDiff(diff)};
}

/** The repository root that contains `cwd`, or undefined when it is in none (or git is missing). */
export function gitRoot(cwd: string): Promise<string | undefined> {
    return git(cwd, ["rev-parse", "--show-toplevel"]).then((out) => out.trim() || undefined, () => undefined);
}

/** The staged (index) version of a file: what `--staged` line numbers count. */
export function stagedText(root: string, relativePath: string): Promise<string> {
    return git(root, ["show", `:${relativePath.replace(/\\/g, "/")}`]);
}

export function git(cwd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("git", args, {cwd, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
            if (error) reject(new Error(l10n.t("git {0} failed: {1}", args[0], stderr.trim() || error.message)));
            else resolve(stdout);
        });
    });
}
