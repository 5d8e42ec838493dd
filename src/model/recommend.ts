// Which Gemma 2 GGUF to offer for download, from what the language server reports about the machine.
// Pure (no vscode, no I/O) so the thresholds are unit-tested; sizes are the published file sizes, so the offer
// can show them without asking the network anything.
import type {SystemInfo} from "../../protocol/lsp";
import * as l10n from "../l10n";

export interface KnownModel {
    uri: string;
    /** "Gemma 2 9B" or "Gemma 2 2B". */
    family: string;
    quant: string;
    /** Size of the GGUF file in bytes (bartowski's repositories). */
    sizeBytes: number;
    /** KV cache bytes per token of context (f16 K and V, all layers): layers × 2 × kv heads × head dim × 2. */
    kvBytesPerToken: number;
}

const KV_9B = 42 * 2 * 8 * 256 * 2;
const KV_2B = 26 * 2 * 4 * 256 * 2;
const GB = 1e9;

/** Largest first, so the first one that fits is the best one. */
export const GEMMA2_9B: readonly KnownModel[] = [
    {uri: "hf:bartowski/gemma-2-9b-it-GGUF:Q8_0", family: "Gemma 2 9B", quant: "Q8_0", sizeBytes: 9.83 * GB, kvBytesPerToken: KV_9B},
    {uri: "hf:bartowski/gemma-2-9b-it-GGUF:Q6_K", family: "Gemma 2 9B", quant: "Q6_K", sizeBytes: 7.59 * GB, kvBytesPerToken: KV_9B},
    {uri: "hf:bartowski/gemma-2-9b-it-GGUF:Q5_K_M", family: "Gemma 2 9B", quant: "Q5_K_M", sizeBytes: 6.65 * GB, kvBytesPerToken: KV_9B},
    {uri: "hf:bartowski/gemma-2-9b-it-GGUF:Q4_K_M", family: "Gemma 2 9B", quant: "Q4_K_M", sizeBytes: 5.76 * GB, kvBytesPerToken: KV_9B}
];
export const GEMMA2_2B: KnownModel =
    {uri: "hf:bartowski/gemma-2-2b-it-GGUF:Q4_K_M", family: "Gemma 2 2B", quant: "Q4_K_M", sizeBytes: 1.71 * GB, kvBytesPerToken: KV_2B};
export const DEFAULT_MODEL_URI = "hf:bartowski/gemma-2-9b-it-GGUF:Q4_K_M";

/** Context the 9B should get at least to be worth recommending on a GPU (completion prompts are ~1.5K tokens, chat more). */
const MIN_CONTEXT = 4096;
/** Full context; above this much free VRAM we pick the larger quants. */
const FULL_CONTEXT = 8192;
/** Compute buffers (the 256K-vocabulary logits alone are ~0.5 GB at batch 512) and the driver's own share. */
const OVERHEAD_BYTES = 0.8 * GB;

export function bytesNeeded(m: KnownModel, contextTokens: number): number {
    return m.sizeBytes + m.kvBytesPerToken * contextTokens + OVERHEAD_BYTES;
}

export interface Recommendation {
    model: KnownModel;
    /** One line for the quick pick, e.g. "11.8 GB free VRAM on NVIDIA RTX 4090 fits the 6-bit quant with 8K context". */
    reason: string;
}

export function formatGB(bytes: number): string {
    const digits = bytes >= 10 * GB ? 0 : 1;
    return l10n.t("{0} GB", l10n.formatNumber(bytes / GB, {minimumFractionDigits: digits, maximumFractionDigits: digits}));
}

/**
 * GPU: the largest 9B quant that fits free VRAM with the full 8K context; else the 9B Q4_K_M if it fits with
 * a 4K context; else the 2B. CPU: the 2B, because the 9B is too slow for completion while typing.
 * Unknown machine (the server did not answer): the 9B Q4_K_M, the documented default.
 */
export function recommendModel(info: SystemInfo | undefined): Recommendation {
    const q4 = GEMMA2_9B[GEMMA2_9B.length - 1];
    if (!info) return {model: q4, reason: l10n.t("the default; this machine's memory could not be read")};
    if (info.backend === "cpu" || info.vramTotalBytes <= 0) {
        return {model: GEMMA2_2B, reason: info.ramFreeBytes > 0
            ? l10n.t("no GPU ({0} free RAM): the 2B model is fast enough on the CPU, the 9B is not", formatGB(info.ramFreeBytes))
            : l10n.t("no GPU: the 2B model is fast enough on the CPU, the 9B is not")};
    }
    const free = info.vramFreeBytes;
    const where = info.gpuNames[0] ? l10n.t("{0} free VRAM on {1}", formatGB(free), info.gpuNames[0]) : l10n.t("{0} free VRAM", formatGB(free));
    const best = GEMMA2_9B.find((m) => bytesNeeded(m, FULL_CONTEXT) <= free);
    if (best) {
        return {model: best, reason: best === q4 ? l10n.t("{0} fits the 9B with an 8K context", where)
            : l10n.t("{0} fits the larger {1} quant of the 9B with an 8K context", where, best.quant)};
    }
    if (bytesNeeded(q4, MIN_CONTEXT) <= free) return {model: q4, reason: l10n.t("{0} fits the 9B with a 4K context", where)};
    return {model: GEMMA2_2B, reason: l10n.t("{0} is too little for the 9B (needs {1})", where, formatGB(bytesNeeded(q4, MIN_CONTEXT)))};
}

/** The known model a URI names (case-insensitive), for showing its size before downloading. */
export function knownModel(uri: string): KnownModel | undefined {
    const u = uri.trim().toLowerCase();
    return [...GEMMA2_9B, GEMMA2_2B].find((m) => m.uri.toLowerCase() === u);
}
