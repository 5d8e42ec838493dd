// A window's view of the host's one task queue (chat, review, explain share one sequence): the tasks still run one
// at a time in arrival order across windows, but cancelling, or a window leaving, aborts only that window's own.
import {CancellationToken, CancellationTokenSource} from "vscode-languageserver";
import type {TaskQueue} from "../tasks/taskQueue";

export type TaskRunner = Pick<TaskQueue, "run" | "abortAll" | "size">;

export class WindowTasks implements TaskRunner {
    private readonly own = new Map<CancellationTokenSource, Promise<unknown>>();

    constructor(private readonly shared: TaskQueue) {}

    get size() {
        return this.own.size;
    }

    run<T>(token: CancellationToken, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const source = new CancellationTokenSource();
        const sub = token.onCancellationRequested(() => source.cancel());
        if (token.isCancellationRequested) source.cancel();
        const result = this.shared.run(source.token, task);
        const settled = result.catch(() => undefined).finally(() => {
            sub.dispose();
            source.dispose();
            this.own.delete(source);
        });
        this.own.set(source, settled);
        return result;
    }

    /** Aborts this window's tasks (running or queued) and waits for them to settle; other windows' go on. */
    async abortAll() {
        for (const source of this.own.keys()) source.cancel();
        await Promise.all(this.own.values());
    }
}
