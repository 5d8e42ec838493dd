// Turns a model-load failure into one sentence the user can act on. node-llama-cpp throws a generic
// "Failed to load model" for most broken files; the real reason only reaches the logger passed to getLlama,
// so the caller hands us the llama.cpp log lines captured during the load.
import fs from "node:fs";
import * as l10n from "../../l10n";

const GGUF_MAGIC = Buffer.from("GGUF", "ascii");

export interface LoadFailure {
    /** One sentence: what is wrong and what to do. */
    message: string;
    /** The underlying error and log lines, for the log. */
    detail: string;
}

/**
 * Checks the file before handing it to llama.cpp, whose reader can return junk for files cut inside the header.
 * `setting` names the setting the messages point to.
 */
export function precheckModelFile(modelPath: string, setting = "gemmaCode.modelPath"): LoadFailure | undefined {
    if (!modelPath) {
        return {message: l10n.t("No model is configured: set gemmaCode.modelPath to a GGUF file, or run \"Gemma Code: Select Model File\"."), detail: ""};
    }
    let stat: fs.Stats;
    try {
        stat = fs.statSync(modelPath);
    } catch (error) {
        return {
            message: l10n.t("The model file {0} does not exist: check {1} or pick another file.", modelPath, setting),
            detail: String(error)
        };
    }
    if (!stat.isFile()) return {message: l10n.t("{0} is not a file: {1} must name a .gguf file.", modelPath, setting), detail: ""};
    const header = Buffer.alloc(HEADER_BYTES);
    const fd = fs.openSync(modelPath, "r");
    try {
        fs.readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
        fs.closeSync(fd);
    }
    const head = header.subarray(0, 4);
    if (!head.equals(GGUF_MAGIC)) {
        return {
            message: l10n.t("{0} is not a GGUF model file (it does not start with \"GGUF\"): pick a .gguf file, e.g. gemma-2-9b-it-Q4_K_M.gguf.", modelPath),
            detail: `first bytes: ${head.toString("hex")}`
        };
    }
    if (stat.size < 1024) {
        return {message: l10n.t("{0} is only {1} bytes, too small to be a model: download it again.", modelPath, stat.size), detail: ""};
    }
    return checkHeaderCounts(modelPath, header, stat.size);
}

/** magic, version (u32), tensor count and metadata count (u64 each, GGUF v2 and later). */
const HEADER_BYTES = 24;
/** The fewest bytes one tensor description (name length u64, dims u32, a dim u64, type u32, offset u64) and one
 * metadata pair (key length u64, a 1-byte key, type u32) can take: counts that could not fit in the file are lies. */
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;
const MIN_KV_BYTES = 8 + 1 + 4 + 1;

/**
 * The header's counts decide how much a reader allocates and loops before reading anything else: a file claiming
 * 2^60 tensors keeps a reader busy with memory climbing. Counts that cannot fit in the file are refused up front.
 */
function checkHeaderCounts(modelPath: string, header: Buffer, size: number): LoadFailure | undefined {
    const version = header.readUInt32LE(4);
    if (version < 2) return undefined; // GGUF v1 (32-bit counts) is refused by llama.cpp with its own message
    const tensors = header.readBigUInt64LE(8);
    const kvs = header.readBigUInt64LE(16);
    const room = BigInt(size - HEADER_BYTES);
    if (tensors * BigInt(MIN_TENSOR_INFO_BYTES) + kvs * BigInt(MIN_KV_BYTES) > room) {
        return {
            message: l10n.t("The model file {0} is corrupted: its header claims {1} tensors and {2} metadata entries, more than its {3} bytes can hold. Download it again.",
                modelPath, String(tensors), String(kvs), size),
            detail: `GGUF v${version}, ${tensors} tensors, ${kvs} metadata entries, ${size} bytes`
        };
    }
    return undefined;
}

/** True for failures that no other backend, layer count or context size can fix: the file itself is the problem. */
export function isFileProblem(failure: LoadFailure): boolean {
    return /truncated or corrupted|architecture|not a GGUF|incomplete or was made|does not exist|is corrupted/.test(failure.message);
}

/** Explains an error thrown while loading, using the llama.cpp log lines captured during that load. */
export function explainLoadError(modelPath: string, error: unknown, logLines: readonly string[]): LoadFailure {
    const text = error instanceof Error ? error.message : String(error);
    const log = logLines.join("\n");
    const detail = [text, log].filter(Boolean).join("\n");
    const has = (re: RegExp) => re.test(text) || re.test(log);

    if (has(/not within the file bounds|corrupted or incomplete|unexpectedly reached end of file|failed to read/i)) {
        return {message: l10n.t("The model file {0} is truncated or corrupted (an incomplete download?): download it again.", modelPath), detail};
    }
    if (has(/unknown model architecture|unsupported model architecture/i)) {
        const arch = /(?:unknown|unsupported) model architecture:? '?([\w.-]+)'?/i.exec(`${text}\n${log}`)?.[1];
        return {
            message: arch
                ? l10n.t("The model in {0} uses an architecture (\"{1}\") this version of llama.cpp does not support: use a Gemma 2 or Gemma 3 GGUF.", modelPath, arch)
                : l10n.t("The model in {0} uses an architecture this version of llama.cpp does not support: use a Gemma 2 or Gemma 3 GGUF.", modelPath),
            detail
        };
    }
    if (has(/InvalidGgufMagic|not a valid gguf|invalid magic/i)) {
        return {message: l10n.t("{0} is not a GGUF model file: pick a .gguf file.", modelPath), detail};
    }
    if (has(/key not found|missing tensor|wrong number of tensors|tensor '.*' not found|check_tensor_dims/i)) {
        return {message: l10n.t("The model file {0} is incomplete or was made by an incompatible converter: download it again.", modelPath), detail};
    }
    if (has(/out of memory|failed to allocate|cudaMalloc|ErrorOutOfDeviceMemory|InsufficientMemory|not enough memory|too large/i)) {
        return {
            message: l10n.t("Not enough memory to load {0}: close other GPU programs, lower gemmaCode.contextSize, or use a smaller model (e.g. Gemma 2 2B).", modelPath),
            detail
        };
    }
    if (has(/ENOENT/)) {
        return {message: l10n.t("The model file {0} does not exist: check {1} or pick another file.", modelPath, "gemmaCode.modelPath"), detail};
    }
    return {message: l10n.t("The model {0} failed to load ({1}): see \"Gemma Code: Show Log\" for details.", modelPath, firstLine(text)), detail};
}

function firstLine(s: string) {
    return s.split("\n", 1)[0].slice(0, 200);
}
