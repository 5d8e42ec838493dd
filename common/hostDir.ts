// The host's directory and its lock files. Security rests on the directory: only its owner may enter it (0700),
// so only the user can reach the socket inside (Node cannot read a Unix socket's peer credentials; the kernel's
// permission check on the directory refuses every other user before a connection exists).
import fs from "node:fs";
import * as l10n from "../language-server/l10n";

/** Creates the directory 0700 if needed and verifies it is ours and private; throws with the reason otherwise. */
export function ensureHostDir(dir: string) {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700});
    const st = fs.lstatSync(dir);
    // Before any LSP connection: the extension shows these in its display language (src/l10n.ts fromShared).
    if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(l10n.t("{0} is not a directory", dir));
    if (process.platform === "win32") return;
    if (st.uid !== process.getuid!()) throw new Error(l10n.t("{0} belongs to another user (uid {1}): refusing to use it", dir, st.uid));
    if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

export interface LockContent {
    pid: number;
    /** When it was taken (ms since the epoch): a "starting" lock older than its timeout is abandoned. */
    at: number;
}

/** Takes the lock if nobody holds it (atomic create); false when it exists. */
export function tryLock(file: string): boolean {
    try {
        fs.writeFileSync(file, JSON.stringify({pid: process.pid, at: Date.now()} satisfies LockContent), {flag: "wx", mode: 0o600});
        return true;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw error;
    }
}

export function readLock(file: string): LockContent | undefined {
    try {
        const c = JSON.parse(fs.readFileSync(file, "utf8")) as LockContent;
        return Number.isInteger(c.pid) && typeof c.at === "number" ? c : undefined;
    } catch {
        return undefined;
    }
}

/** Removes the lock only if it is still ours (never another process's fresh one). */
export function unlock(file: string) {
    if (readLock(file)?.pid === process.pid) fs.rmSync(file, {force: true});
}

export function isAlive(pid: number) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

/**
 * Removes `file` if its holder is dead (or it is older than maxAgeMs, or has stayed unreadable). Two processes may find the
 * same stale lock at once: breaking happens under a second lock, and the content is read again under it, so a
 * lock taken by someone else in the meantime is never removed. Returns whether the lock is gone.
 */
export function breakIfStale(file: string, maxAgeMs = Infinity): boolean {
    const breaker = `${file}.break`;
    if (!tryLock(breaker)) {
        // A breaker that died mid-break leaves this behind; nobody holds it for more than a moment.
        const b = readLock(breaker);
        if (!b || !isAlive(b.pid) || Date.now() - b.at > 10_000) fs.rmSync(breaker, {force: true});
        return false;
    }
    try {
        if (!fs.existsSync(file)) return true;
        const held = readLock(file);
        // An unreadable lock may be one being written right now: stale only once it has stayed so for a while.
        const stale = held ? !isAlive(held.pid) || Date.now() - held.at > maxAgeMs : Date.now() - fs.statSync(file).mtimeMs > 2000;
        if (stale) fs.rmSync(file, {force: true});
        return stale;
    } finally {
        unlock(breaker);
    }
}
