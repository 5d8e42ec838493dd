// The completion prompt's code before the cursor is tokenized in two parts, the lines above the cursor line and the
// cursor line (prompt.ts prefixParts), so that the unchanged part's tokens can be remembered while typing
// (tokenCount.ts). That must give the model exactly the tokens of the whole text: checked with Gemma 3 270M's real
// tokenizer (and the tiny model's) at cursor positions all through the benchmark's real code.
import assert from "node:assert/strict";
import type {LlamaModel} from "node-llama-cpp";
import {loadCorpus} from "../../bench/corpus";
import {prefixParts} from "../../language-server/completion/prompt";
import {loadNodeLlamaCpp} from "../../language-server/engine/local/nodeLlamaCpp";
import {repoRoot, tinyModelPath} from "../support/paths";
import {realModelPath} from "../support/realModel";

describe("prompt tokens: the prefix tokenized in two parts equals it tokenized whole", function () {
    this.timeout(300_000);

    for (const [name, file] of [["Gemma 3 270M", () => realModelPath()], ["the tiny model", () => tinyModelPath]] as const) {
        it(name, async () => {
            const llama = await (await loadNodeLlamaCpp()).getLlama({gpu: false, maxThreads: 1});
            const model: LlamaModel = await llama.loadModel({modelPath: file(), vocabOnly: true});
            try {
                let checked = 0;
                for (const {lines} of loadCorpus(repoRoot)) {
                    for (let line = 5; line < Math.min(lines.length, 1200); line += 37) {
                        const text = lines[line];
                        for (const col of [0, Math.floor(text.length / 2), text.length]) {
                            const prefix = lines.slice(Math.max(0, line - 20), line).join("\n") + "\n" + text.slice(0, col);
                            const whole = model.tokenize("```js\n" + prefix, false);
                            const split = prefixParts("```js\n", prefix).flatMap((p) => model.tokenize(p.text, false));
                            assert.deepEqual(split, whole, `line ${line}, column ${col}: ${JSON.stringify(text.slice(0, col))}`);
                            checked++;
                        }
                    }
                }
                assert.ok(checked > 100, `${checked} positions`);
            } finally {
                await model.dispose();
            }
        });
    }
});
