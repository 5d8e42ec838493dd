// Chat, review and explain share one context sequence (completion has its own), so they run one at a time in
// arrival order. A request cancelled while queued leaves the queue without ever touching the model, and so does
// every queued request when the queue is aborted (shutdown, a model switch): they fail at once instead of each
// running to its end first.
import {CancellationToken, ResponseError} from "vscode-languageserver";
import {ErrorCodes} from "../../protocol/lsp";
import * as l10n from "../l10n";

export class TaskQueue {
    private tail: Promise<unknown> = Promise.resolve();
    private running: AbortController | undefined;
    private pending = 0;
    /** Bumped by abortAll(): tasks queued before it give up when their turn comes. */
    private epoch = 0;

    get size() {
        return this.pending + (this.running ? 1 : 0);
    }

    /** Runs `task` after the tasks before it; its signal fires on cancellation or abortAll(). */
    run<T>(token: CancellationToken, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
        this.pending++;
        const epoch = this.epoch;
        const result = this.tail.then(async () => {
            this.pending--;
            if (token.isCancellationRequested) throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Request cancelled"));
            if (epoch !== this.epoch) {
                throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Request cancelled: the server is shutting down or the model was changed."));
            }
            const controller = new AbortController();
            this.running = controller;
            const sub = token.onCancellationRequested(() => controller.abort());
            try {
                return await task(controller.signal);
            } finally {
                sub.dispose();
                this.running = undefined;
            }
        });
        this.tail = result.catch(() => undefined);
        return result;
    }

    /** Aborts the running task and the queued ones, and waits for the queue to drain (before the model is released). */
    async abortAll() {
        this.epoch++;
        this.running?.abort();
        await this.tail;
    }
}
