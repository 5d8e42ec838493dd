// Completion sequences for the host's windows. Each window gets its own KV-cached sequence, so switching between
// windows never recomputes a prompt: the first window uses the loaded model's completion sequence, each further
// window a new context of one sequence on the same model (the weights are shared; a context costs only its KV
// cache). New contexts stop at the limit, or when the next one would not fit in free memory; then windows share
// the sequence with the fewest users (correct, since completions take turns, only slower to switch).
import os from "node:os";
import type {LlamaContext, LlamaContextSequence} from "node-llama-cpp";
import type {Logger} from "../log";
import type {LoadedModel} from "../engine/local/modelHost";
import {flashAttentionFor} from "../engine/local/flashAttention";

interface Slot {
    sequence: LlamaContextSequence;
    /** The context this pool created for the slot; undefined for the loaded model's own sequence. */
    context?: LlamaContext;
    users: Set<number>;
}

export class SequencePool {
    private readonly slots: Slot[] = [];
    private readonly byWindow = new Map<number, Slot>();
    /** acquire() runs one at a time: two windows arriving together must not both create the last context. */
    private chain: Promise<unknown> = Promise.resolve();

    constructor(readonly loaded: LoadedModel, private readonly limit: number, private readonly log: Logger) {}

    /** Sequences in use (≤ windows: fewer once windows share). */
    get size() {
        return this.slots.length;
    }

    acquire(window: number): Promise<LlamaContextSequence> {
        const result = this.chain.then(() => this.acquireNow(window));
        this.chain = result.catch(() => undefined);
        return result;
    }

    /** The window has gone: a context nobody uses any more is freed. */
    async release(window: number) {
        const slot = this.byWindow.get(window);
        if (!slot) return;
        this.byWindow.delete(window);
        slot.users.delete(window);
        if (slot.users.size > 0 || !slot.context) return;
        this.slots.splice(this.slots.indexOf(slot), 1);
        await slot.context.dispose().catch(() => undefined);
    }

    /** Frees every context this pool created (before the model goes; generations have stopped by then). */
    async dispose() {
        const contexts = this.slots.map((s) => s.context).filter((c) => c !== undefined);
        this.slots.length = 0;
        this.byWindow.clear();
        for (const c of contexts) await c.dispose().catch(() => undefined);
    }

    private async acquireNow(window: number): Promise<LlamaContextSequence> {
        const mine = this.byWindow.get(window);
        if (mine) return mine.sequence;
        // A sequence a window left behind (the loaded model's own stays when its window goes) comes first.
        let slot = this.slots.find((s) => s.users.size === 0);
        if (slot) {
            // reused
        } else if (!this.slots.some((s) => !s.context)) {
            slot = {sequence: this.loaded.completionSequence, users: new Set()};
            this.slots.unshift(slot);
        } else if (this.slots.length < this.limit && await this.nextFits()) {
            const context = await this.loaded.model.createContext({contextSize: this.loaded.context.contextSize, sequences: 1,
                threads: {ideal: this.loaded.context.idealThreads, min: 1}, flashAttention: flashAttentionFor(this.loaded.model), swaFullCache: true}).catch((error) => {
                this.log.warn(`A completion sequence for another window could not be created (${error}); windows share one.`);
                return undefined;
            });
            if (context) {
                slot = {sequence: context.getSequence(), context, users: new Set()};
                this.slots.push(slot);
            }
        }
        slot ??= this.slots.reduce((a, b) => (b.users.size < a.users.size ? b : a));
        slot.users.add(window);
        this.byWindow.set(window, slot);
        if (slot.users.size > 1) this.log.info(`Window ${window} shares a completion sequence with ${slot.users.size - 1} other window(s).`);
        return slot.sequence;
    }

    /** Whether one more context leaves half of the free RAM (and a fifth of the free VRAM) to everything else. */
    private async nextFits(): Promise<boolean> {
        const {model, context, llama} = this.loaded;
        const need = model.fileInsights.estimateContextResourceRequirements({contextSize: context.contextSize, sequences: 1,
            modelGpuLayers: model.gpuLayers, flashAttention: flashAttentionFor(model), swaFullCache: true});
        const freeVram = llama.gpu ? (await llama.getVramState().catch(() => ({free: 0}))).free : Infinity;
        const fits = need.cpuRam <= os.freemem() / 2 && need.gpuVram <= freeVram * 0.8;
        if (!fits) {
            this.log.info(`Another completion sequence needs ${mib(need.cpuRam)} RAM / ${mib(need.gpuVram)} VRAM; free: `
                + `${mib(os.freemem())} / ${mib(freeVram)}: the new window shares one.`);
        }
        return fits;
    }
}

function mib(bytes: number) {
    return Number.isFinite(bytes) ? `${Math.round(bytes / 2 ** 20)} MiB` : "n/a";
}
