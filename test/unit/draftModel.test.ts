import assert from "node:assert/strict";
import {defaultServerSettings} from "../../protocol/lsp";
import {vocabularyMismatch, VocabularyView} from "../../language-server/engine/local/draftModel";
import {mergeSettings} from "../../language-server/settings";

const vocab = (over: Partial<VocabularyView> = {}): VocabularyView => ({
    type: "spm", tokens: ["<pad>", "<eos>", "<bos>", "<unk>", "▁return", "▁const", "("], bos: 2, eos: 1, addBos: true, ...over
});

describe("draft model vocabulary check", () => {
    it("accepts the same vocabulary, and llama.cpp's padding of up to 128 extra tokens", () => {
        assert.equal(vocabularyMismatch(vocab(), vocab()), undefined);
        const padded = vocab({tokens: [...vocab().tokens!, ...Array.from({length: 128}, (_, i) => `<unused${i}>`)]});
        assert.equal(vocabularyMismatch(vocab(), padded), undefined);
    });
    it("names what differs: tokenizer, size, special tokens, a token's text", () => {
        assert.match(vocabularyMismatch(vocab(), vocab({type: "bpe"}))!, /tokenizer type is bpe/);
        const bigger = vocab({tokens: [...vocab().tokens!, ...Array.from({length: 129}, (_, i) => `x${i}`)]});
        assert.match(vocabularyMismatch(vocab(), bigger)!, /136 tokens, the main model's 7/);
        assert.match(vocabularyMismatch(vocab(), vocab({bos: 0}))!, /special tokens differ/);
        assert.match(vocabularyMismatch(vocab(), vocab({addBos: false}))!, /special tokens differ/);
        const renamed = vocab({tokens: vocab().tokens!.map((t) => (t === "▁const" ? "▁let" : t))});
        assert.equal(vocabularyMismatch(vocab(), renamed), 'token 5 is "▁let" in it but "▁const" in the main model');
        assert.match(vocabularyMismatch(vocab(), vocab({tokens: undefined}))!, /cannot be compared/);
    });
});

describe("draft model settings", () => {
    it("off by default", () => {
        const c = defaultServerSettings.completion;
        assert.deepEqual([c.draftModelPath, c.draftMaxTokens, c.draftMinConfidence], ["", 16, 0.6]);
    });
    it("takes a path and valid predictor options, ignores the rest", () => {
        const s = mergeSettings(defaultServerSettings, {completion: {draftModelPath: " /m/gemma-2-2b.gguf ", draftMinConfidence: 0, draftMaxTokens: 8}});
        assert.deepEqual([s.completion.draftModelPath, s.completion.draftMinConfidence, s.completion.draftMaxTokens], ["/m/gemma-2-2b.gguf", 0, 8]);
        const bad = mergeSettings(defaultServerSettings, {completion: {draftModelPath: 3, draftMinConfidence: 1.5, draftMaxTokens: 0}});
        assert.deepEqual(bad, defaultServerSettings);
    });
});
