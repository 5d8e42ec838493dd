import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {explainLoadError, precheckModelFile} from "../../language-server/engine/local/loadErrors";

describe("model load errors in one sentence", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-errors-"));

    it("missing file, directory, non-GGUF and tiny files are caught before llama.cpp sees them", () => {
        assert.match(precheckModelFile(path.join(dir, "nope.gguf"))!.message, /does not exist/);
        assert.match(precheckModelFile(dir)!.message, /is not a file/);
        fs.writeFileSync(path.join(dir, "x.gguf"), "<html>rate limited</html>".repeat(100));
        assert.match(precheckModelFile(path.join(dir, "x.gguf"))!.message, /not a GGUF model file/);
        fs.writeFileSync(path.join(dir, "y.gguf"), "GGUF\x03\x00");
        assert.match(precheckModelFile(path.join(dir, "y.gguf"))!.message, /too small/);
        assert.match(precheckModelFile("")!.message, /No model is configured/);
    });

    it("uses llama.cpp's log lines to tell truncation, unknown architecture and memory apart", () => {
        const generic = new Error("Failed to load model");
        assert.match(explainLoadError("/m.gguf", generic,
            ["[error] llama_model_load: error loading model: tensor 'blk.3.ffn_up.weight' data is not within the file bounds, model is corrupted or incomplete"]).message,
        /truncated or corrupted/);
        assert.match(explainLoadError("/m.gguf", generic, ["[error] error loading model architecture: unknown model architecture: 'mamba9'"]).message,
            /architecture \("mamba9"\).*not support/);
        assert.match(explainLoadError("/m.gguf", generic, ["[error] ggml_backend_cuda_buffer_type_alloc_buffer: allocating 5000 MiB on device 0: cudaMalloc failed: out of memory"]).message,
            /Not enough memory/);
        assert.match(explainLoadError("/m.gguf", generic, []).message, /failed to load \(Failed to load model\)/);
    });
});
