// Whether a context computes attention with llama.cpp's flash-attention kernel. Decided here, from the model, for every
// context we create (engine/local/modelHost.ts, host/sequencePool.ts, engine/local/draftModel.ts). By measurement
// (README "Flash attention"; bench/run-flash-attention.ts):
// - on a GPU it pays: Gemma 2 9B on an H100 generated 222 tok/s with it, 205 without, and prefilled 1.2x faster
//   (../shared/notes/gpu.md); node-llama-cpp's own heuristic turns it off for gemma2, which cost us that;
// - on the CPU (bench/run-flash-attention.ts, one thread, 1,000-token context, 2026-12-02): with 32-wide heads it
//   decoded 2.4-2.7x slower (the tiny test model: 3.8 vs 1.4 ms/token; llama-server's own build does not pay that,
//   node-llama-cpp's prebuilt CPU backend does); from 64-wide heads on it costs a fixed 0.3-0.4 ms per token on the
//   tiny shape (1.3 vs 1.1 ms at 64) while prefill is 1.2-1.4x faster with it, and on real models it pays or is even:
//   Gemma 3 270M (256-wide heads, 512-token sliding windows, whose masked positions the kernel skips) decoded
//   1.08-1.29x faster with it, the Gemma 2 2B shape as fast (1.01x) and prefilled 1.19x faster. Every Gemma has
//   256-wide heads: only narrow test models lose it.

/** The GGUF metadata fields this reads (node-llama-cpp's `model.fileInfo.metadata`). */
export interface AttentionMetadata {
    general?: {architecture?: string};
    [architecture: string]: unknown;
}

/**
 * The attention head size: `<arch>.attention.key_length` where the file gives it (Gemma does), else
 * embedding_length ÷ head_count (llama.cpp's own default). Undefined when the file says neither.
 */
export function attentionHeadSize(metadata: AttentionMetadata | undefined): number | undefined {
    const architecture = metadata?.general?.architecture;
    const fields = architecture ? metadata?.[architecture] as {embedding_length?: unknown; attention?: {key_length?: unknown; head_count?: unknown}} | undefined : undefined;
    const key = positive(fields?.attention?.key_length);
    if (key) return key;
    const heads = fields?.attention?.head_count;
    // Per-layer head counts (an array in some architectures): the widest layer's heads are the narrowest.
    const count = Array.isArray(heads) ? Math.max(0, ...heads.map(positive).filter((n): n is number => n !== undefined)) : positive(heads);
    const embedding = positive(fields?.embedding_length);
    return count && embedding ? Math.floor(embedding / count) : undefined;
}

function positive(value: unknown): number | undefined {
    const n = typeof value === "bigint" ? Number(value) : value;
    return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** On the CPU, heads at least this wide get flash attention (32-wide ones decoded 2.4-2.7x slower with it). */
export const CPU_FLASH_ATTENTION_MIN_HEAD = 64;

export interface FlashAttentionInput {
    /** Layers of the model on a GPU (0 on the CPU backend). */
    gpuLayers: number;
    headSize: number | undefined;
}

/**
 * On whenever any layer is on a GPU (its attention runs there); on the CPU only for heads of at least
 * CPU_FLASH_ATTENTION_MIN_HEAD, and on when the size is unknown (what every context had before this rule).
 */
export function useFlashAttention({gpuLayers, headSize}: FlashAttentionInput): boolean {
    if (gpuLayers > 0) return true;
    return headSize === undefined || headSize >= CPU_FLASH_ATTENTION_MIN_HEAD;
}

/** The decision for a loaded node-llama-cpp model. */
export function flashAttentionFor(model: {gpuLayers: number; fileInfo: {metadata: unknown}}): boolean {
    return useFlashAttention({gpuLayers: model.gpuLayers, headSize: attentionHeadSize(model.fileInfo.metadata as AttentionMetadata)});
}
