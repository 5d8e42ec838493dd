#!/usr/bin/env node
// Writes a gemma2-architecture GGUF with random weights: a tiny one for tests (a few MB, well under a
// second), and ones with Gemma 2 9B's and 2B's exact shapes for GPU benchmarks (~5 GB and ~1.4 GB of Q4_0; the same
// tokenizer, so the 2B one can draft for the 9B one).
// No dependencies on purpose: it must run on the GPU machine with nothing but a node binary.
// Deterministic: the same preset and seed always give the same bytes.
//
//   node scripts/make-gguf.mjs --preset tiny --out test/.models/tiny-gemma2.gguf
//   node scripts/make-gguf.mjs --preset gemma2-9b --out /tmp/gemma2-9b-shaped.gguf
//   node scripts/make-gguf.mjs --preset gemma2-2b --out /tmp/gemma2-2b-shaped.gguf
import fs from "node:fs";
import path from "node:path";

export const PRESETS = {
    tiny: {
        name: "tiny-gemma2", layers: 4, embd: 128, ff: 256, heads: 4, headsKv: 2, headDim: 32,
        vocab: 4096, context: 8192, slidingWindow: 4096, weightType: "f32"
    },
    "gemma2-9b": {
        name: "gemma2-9b-shaped", layers: 42, embd: 3584, ff: 14336, heads: 16, headsKv: 8, headDim: 256,
        vocab: 256000, context: 8192, slidingWindow: 4096, weightType: "q4_0"
    },
    "gemma2-2b": {
        name: "gemma2-2b-shaped", layers: 26, embd: 2304, ff: 9216, heads: 8, headsKv: 4, headDim: 256,
        vocab: 256000, context: 8192, slidingWindow: 4096, weightType: "q4_0"
    }
};

// GGUF value types and ggml tensor types (from the GGUF specification).
const T = {u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12};
const GGML = {f32: {id: 0, blockSize: 1, blockBytes: 4}, q4_0: {id: 2, blockSize: 32, blockBytes: 18}};
const ALIGNMENT = 32;

// Gemma's chat template (Jinja), so node-llama-cpp resolves its Gemma chat wrapper from the file.
const GEMMA_CHAT_TEMPLATE = "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}";

// Special tokens in Gemma's order for the first four ids; the rest mirror strings Gemma's real vocabulary has.
const SPECIAL = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>",
    "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|file_separator|>"];
const TOKEN_TYPE = {normal: 1, unknown: 2, control: 3, byte: 6};

// Words whose every prefix becomes a piece, so SentencePiece merging can reach them; code and English.
const WORDS = ("function return const let var if else for while class import export from def self None True False " +
    "print the and to of in is that it with as on be this not are or by at an was but have public private static " +
    "void int string number boolean true false null undefined new this async await try catch finally throw " +
    "interface type extends implements yield lambda pass elif range len list dict value key index result data " +
    "error value name node item count total sum map filter reduce push length console log get set add remove " +
    "update create delete find user model text line file path args kwargs options config request response " +
    "include struct enum match impl pub fn mut use mod println package main fmt func go defer chan").split(" ");

function buildVocab(size) {
    const pieces = [];
    const seen = new Set();
    const add = (text, type, score) => {
        if (seen.has(text) || pieces.length >= size) return;
        seen.add(text);
        pieces.push({text, type, score});
    };
    for (const s of SPECIAL) add(s, s === "<unk>" ? TOKEN_TYPE.unknown : TOKEN_TYPE.control, 0);
    for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, TOKEN_TYPE.byte, 0);
    let score = 0;
    const normal = (text) => add(text, TOKEN_TYPE.normal, score--);
    // Single characters first (printable ASCII, the SentencePiece space marker, newline and indentation).
    normal("▁");
    normal("\n");
    normal("\t");
    for (let c = 33; c < 127; c++) normal(String.fromCharCode(c));
    for (let n = 2; n <= 16; n *= 2) normal("▁".repeat(n));
    for (const w of WORDS) {
        for (let i = 2; i <= w.length; i++) normal(w.slice(0, i));
        for (let i = 1; i <= w.length; i++) normal("▁" + w.slice(0, i));
    }
    for (const p of ["()", "{}", "[]", "();", "=>", "==", "===", "!=", "<=", ">=", "//", "/*", "*/", "->", "::", "+=", "++",
        "\n\n", "▁=", "▁{", "▁}", "▁(", "▁)", "▁+", "▁-", "▁*", "▁/", "▁<", "▁>", "▁:", "▁#", "▁\"", "▁'", "▁0", "▁1"]) normal(p);
    // Fill the rest with printable two-character pieces, deterministically.
    for (let a = 97; a < 123 && pieces.length < size; a++)
        for (let b = 97; b < 123 && pieces.length < size; b++) normal(String.fromCharCode(a, b));
    // Then pronounceable pseudo-words ("▁kelo", "▁bami"), so gibberish output still reads like text.
    const syllables = [];
    for (const c of "bdfghklmnprstvz") for (const v of "aeiou") syllables.push(c + v);
    for (let i = 0; pieces.length < size; i++) {
        const n = syllables.length;
        normal("▁" + syllables[i % n] + syllables[Math.floor(i / n) % n] + (i >= n * n ? syllables[Math.floor(i / (n * n)) % n] : ""));
    }
    return pieces;
}

// xorshift128+-like 32-bit generator: fast, deterministic, good enough for random weights.
function makeRng(seed) {
    let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
    return () => {
        const t = a ^ (a << 11);
        a = b; b = c; c = d;
        d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
        return d;
    };
}

class Writer {
    constructor() { this.chunks = []; this.size = 0; }
    push(buf) { this.chunks.push(buf); this.size += buf.length; }
    u32(v) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
    i32(v) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
    u64(v) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
    f32(v) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
    str(s) { const b = Buffer.from(s, "utf8"); this.u64(b.length); this.push(b); }
    value(type, v) {
        switch (type) {
            case T.u32: return this.u32(v);
            case T.i32: return this.i32(v);
            case T.f32: return this.f32(v);
            case T.bool: return this.push(Buffer.from([v ? 1 : 0]));
            case T.str: return this.str(v);
            default: throw new Error(`unsupported GGUF value type ${type}`);
        }
    }
}

function metadata(p, vocab) {
    const a = "gemma2";
    return [
        ["general.architecture", T.str, a],
        ["general.name", T.str, p.name],
        ["general.alignment", T.u32, ALIGNMENT],
        ["general.file_type", T.u32, p.weightType === "q4_0" ? 2 : 0],
        [`${a}.context_length`, T.u32, p.context],
        [`${a}.embedding_length`, T.u32, p.embd],
        [`${a}.block_count`, T.u32, p.layers],
        [`${a}.feed_forward_length`, T.u32, p.ff],
        [`${a}.attention.head_count`, T.u32, p.heads],
        [`${a}.attention.head_count_kv`, T.u32, p.headsKv],
        [`${a}.attention.key_length`, T.u32, p.headDim],
        [`${a}.attention.value_length`, T.u32, p.headDim],
        [`${a}.attention.layer_norm_rms_epsilon`, T.f32, 1e-6],
        [`${a}.attn_logit_softcapping`, T.f32, 50],
        [`${a}.final_logit_softcapping`, T.f32, 30],
        [`${a}.attention.sliding_window`, T.u32, p.slidingWindow],
        ["tokenizer.ggml.model", T.str, "llama"],
        ["tokenizer.ggml.pre", T.str, "default"],
        ["tokenizer.ggml.tokens", T.arr, [T.str, vocab.map((v) => v.text)]],
        ["tokenizer.ggml.scores", T.arr, [T.f32, vocab.map((v) => v.score)]],
        ["tokenizer.ggml.token_type", T.arr, [T.i32, vocab.map((v) => v.type)]],
        ["tokenizer.ggml.bos_token_id", T.u32, 2],
        ["tokenizer.ggml.eos_token_id", T.u32, 1],
        ["tokenizer.ggml.unknown_token_id", T.u32, 3],
        ["tokenizer.ggml.padding_token_id", T.u32, 0],
        ["tokenizer.ggml.eot_token_id", T.u32, vocab.findIndex((v) => v.text === "<end_of_turn>")],
        ["tokenizer.ggml.add_bos_token", T.bool, true],
        ["tokenizer.ggml.add_eos_token", T.bool, false],
        ["tokenizer.ggml.add_space_prefix", T.bool, false],
        ["tokenizer.chat_template", T.str, GEMMA_CHAT_TEMPLATE]
    ];
}

function tensorList(p) {
    const q = p.heads * p.headDim, kv = p.headsKv * p.headDim;
    // Norm weights are stored as (1 + w) by Gemma's converter, so ~1 keeps activations sane.
    const t = [{name: "token_embd.weight", dims: [p.embd, p.vocab], type: p.weightType, scale: 0.1}];
    for (let i = 0; i < p.layers; i++) {
        const b = `blk.${i}.`;
        t.push(
            {name: b + "attn_norm.weight", dims: [p.embd], type: "f32", norm: true},
            {name: b + "attn_q.weight", dims: [p.embd, q], type: p.weightType, scale: 0.35},
            {name: b + "attn_k.weight", dims: [p.embd, kv], type: p.weightType, scale: 0.35},
            {name: b + "attn_v.weight", dims: [p.embd, kv], type: p.weightType, scale: 0.35},
            {name: b + "attn_output.weight", dims: [q, p.embd], type: p.weightType, scale: 0.35},
            {name: b + "post_attention_norm.weight", dims: [p.embd], type: "f32", norm: true},
            {name: b + "ffn_norm.weight", dims: [p.embd], type: "f32", norm: true},
            {name: b + "ffn_gate.weight", dims: [p.embd, p.ff], type: p.weightType, scale: 0.35},
            {name: b + "ffn_up.weight", dims: [p.embd, p.ff], type: p.weightType, scale: 0.35},
            {name: b + "ffn_down.weight", dims: [p.ff, p.embd], type: p.weightType, scale: 0.35},
            {name: b + "post_ffw_norm.weight", dims: [p.embd], type: "f32", norm: true}
        );
    }
    // Layer weights outweigh the embeddings so the next token depends on the context, not just on the last
    // token: a random model otherwise falls into 1-3 token loops at once (measured: 30/30 varied outputs vs 2/30).
    // Random signs in the final norm break the tie between input and (tied) output embeddings; without them a
    // random model predicts the token it was just given, forever ("returnreturnreturn…").
    t.push({name: "output_norm.weight", dims: [p.embd], type: "f32", signedNorm: true});
    for (const x of t) {
        const g = GGML[x.type];
        const n = x.dims.reduce((m, d) => m * d, 1);
        if (n % g.blockSize !== 0) throw new Error(`${x.name}: ${n} values is not a multiple of ${g.blockSize}`);
        x.bytes = (n / g.blockSize) * g.blockBytes;
    }
    return t;
}

const pad = (n) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

// Fills `buf` with the tensor's random data. Q4_0 blocks: an f16 scale, then 16 bytes of packed nibbles.
function fillTensor(buf, tensor, rng) {
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    if (tensor.type === "f32") {
        const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
        for (let i = 0; i < f32.length; i++) {
            // Sum of two uniforms: a cheap bell shape in [-1, 1).
            const r = ((rng() / 4294967296) + (rng() / 4294967296)) - 1;
            f32[i] = tensor.signedNorm ? (r < 0 ? -1 : 1) : tensor.norm ? 1 + 0.1 * r : tensor.scale * r;
        }
        return;
    }
    for (let i = 0; i < u32.length; i++) u32[i] = rng();
    // An f16 of ~0.0025 (0x1920) as every block's scale: random nibbles −8..7 give values up to ±0.02.
    for (let off = 0; off < buf.length; off += 18) buf.writeUInt16LE(0x1920, off);
}

export function writeGguf(outPath, presetName = "tiny", seed = 8, overrides = {}) {
    if (!PRESETS[presetName]) throw new Error(`unknown preset "${presetName}"; known: ${Object.keys(PRESETS).join(", ")}`);
    const p = {...PRESETS[presetName], ...overrides};
    const vocab = buildVocab(p.vocab);
    const tensors = tensorList(p);

    const head = new Writer();
    head.push(Buffer.from("GGUF", "ascii"));
    head.u32(3);
    head.u64(tensors.length);
    const kvs = metadata(p, vocab);
    head.u64(kvs.length);
    for (const [key, type, value] of kvs) {
        head.str(key);
        head.u32(type);
        if (type === T.arr) {
            const [elemType, items] = value;
            head.u32(elemType);
            head.u64(items.length);
            for (const item of items) head.value(elemType, item);
        } else head.value(type, value);
    }
    let offset = 0;
    for (const t of tensors) {
        head.str(t.name);
        head.u32(t.dims.length);
        for (const d of t.dims) head.u64(d);
        head.u32(GGML[t.type].id);
        head.u64(offset);
        t.offset = offset;
        offset = pad(offset + t.bytes);
    }
    const headerBytes = Buffer.concat(head.chunks);
    const dataStart = pad(headerBytes.length);

    fs.mkdirSync(path.dirname(path.resolve(outPath)), {recursive: true});
    const tmp = `${outPath}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, "w");
    try {
        fs.writeSync(fd, headerBytes, 0, headerBytes.length, 0);
        const rng = makeRng(seed);
        const CHUNK = 64 * 1024 * 1024;
        for (const t of tensors) {
            // Big tensors are written in chunks that keep whole Q4_0 blocks, so memory stays small.
            const step = t.type === "q4_0" ? Math.floor(CHUNK / 36) * 36 : CHUNK;
            for (let done = 0; done < t.bytes; done += step) {
                const n = Math.min(step, t.bytes - done);
                const buf = Buffer.alloc(n);
                fillTensor(buf, t, rng);
                fs.writeSync(fd, buf, 0, n, dataStart + t.offset + done);
            }
        }
        const total = dataStart + offset;
        fs.ftruncateSync(fd, total);
    } finally {
        fs.closeSync(fd);
    }
    fs.renameSync(tmp, outPath);
    return {path: outPath, bytes: fs.statSync(outPath).size, tensors: tensors.length, vocab: vocab.length};
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("make-gguf.mjs")) {
    const args = process.argv.slice(2);
    const get = (flag, fallback) => {
        const i = args.indexOf(flag);
        return i >= 0 ? args[i + 1] : fallback;
    };
    const out = get("--out");
    if (!out) {
        console.error(`usage: make-gguf.mjs --out FILE [--preset ${Object.keys(PRESETS).join("|")}] [--seed N] [--head-dim N] [--if-missing]`);
        process.exit(2);
    }
    if (args.includes("--if-missing") && fs.existsSync(out)) process.exit(0);
    const started = Date.now();
    // --head-dim N: another attention head size with the preset's other shapes (bench/run-flash-attention.ts measures
    // where flash attention starts to pay on the CPU).
    const overrides = get("--head-dim") ? {headDim: Number(get("--head-dim"))} : {};
    const r = writeGguf(out, get("--preset", "tiny"), Number(get("--seed", "8")), overrides);
    console.log(`wrote ${r.path}: ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.tensors} tensors, vocab ${r.vocab}, ${Date.now() - started} ms`);
}
