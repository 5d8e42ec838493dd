// Which contexts get flash attention (engine/local/flashAttention.ts): always on a GPU, on the CPU only for heads at
// least CPU_FLASH_ATTENTION_MIN_HEAD wide; the head size read from the GGUF as llama.cpp reads it.
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {attentionHeadSize, CPU_FLASH_ATTENTION_MIN_HEAD, flashAttentionFor, useFlashAttention} from "../../language-server/engine/local/flashAttention";
import {repoRoot, tinyModelPath} from "../support/paths";

const gemma2 = (fields: object) => ({general: {architecture: "gemma2"}, gemma2: fields});

describe("flash attention decision", () => {
    it("reads the head size from key_length, else embedding_length ÷ head_count", () => {
        // Gemma 3 270M: 640 wide, 4 heads, but 256-wide heads (key_length says so; 640/4 would be 160).
        assert.equal(attentionHeadSize(gemma2({embedding_length: 640, attention: {head_count: 4, key_length: 256}})), 256);
        assert.equal(attentionHeadSize(gemma2({embedding_length: 2048, attention: {head_count: 16}})), 128);
        // Per-layer head counts: the layers with the most heads have the narrowest ones.
        assert.equal(attentionHeadSize(gemma2({embedding_length: 2048, attention: {head_count: [8, 32, 16]}})), 64);
        // Another architecture's fields are not this one's.
        assert.equal(attentionHeadSize({general: {architecture: "llama"}, gemma2: {attention: {key_length: 256}}}), undefined);
        assert.equal(attentionHeadSize(gemma2({attention: {head_count: 0}, embedding_length: 128})), undefined);
        assert.equal(attentionHeadSize(undefined), undefined);
    });

    it("is on whenever a layer is on the GPU, on the CPU only for wide heads", () => {
        assert.equal(useFlashAttention({gpuLayers: 42, headSize: 32}), true);
        assert.equal(useFlashAttention({gpuLayers: 0, headSize: 32}), false);
        assert.equal(useFlashAttention({gpuLayers: 0, headSize: CPU_FLASH_ATTENTION_MIN_HEAD - 1}), false);
        assert.equal(useFlashAttention({gpuLayers: 0, headSize: CPU_FLASH_ATTENTION_MIN_HEAD}), true);
        assert.equal(useFlashAttention({gpuLayers: 0, headSize: 256}), true);
        // Unknown: as every context was before the rule.
        assert.equal(useFlashAttention({gpuLayers: 0, headSize: undefined}), true);
    });

    it("decides from a real GGUF's metadata as node-llama-cpp reads it: off for the tiny model's 32-wide heads on the CPU", async () => {
        execFileSync(process.execPath, [path.join(repoRoot, "scripts/make-gguf.mjs"), "--out", tinyModelPath, "--if-missing"]);
        const wide = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gc-fa-")), "wide.gguf");
        execFileSync(process.execPath, [path.join(repoRoot, "scripts/make-gguf.mjs"), "--out", wide, "--head-dim", "256"]);
        const {readGgufFileInfo} = await import("node-llama-cpp");
        const tiny = await readGgufFileInfo(tinyModelPath);
        assert.equal(attentionHeadSize(tiny.metadata as never), 32);
        assert.equal(flashAttentionFor({gpuLayers: 0, fileInfo: tiny}), false);
        assert.equal(flashAttentionFor({gpuLayers: 4, fileInfo: tiny}), true);
        const wideInfo = await readGgufFileInfo(wide);
        assert.equal(attentionHeadSize(wideInfo.metadata as never), 256);
        assert.equal(flashAttentionFor({gpuLayers: 0, fileInfo: wideInfo}), true);
        fs.rmSync(path.dirname(wide), {recursive: true, force: true});
    });
});
