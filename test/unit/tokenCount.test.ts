// Building a completion prompt must not tokenize the whole file again at every keystroke (tokenCount.ts): the
// tokenizer is asked only about what changed, and what it is asked gives the same prompt as before.
import assert from "node:assert/strict";
import type {Token} from "node-llama-cpp";
import {buildCompletionPrompt, prefixParts} from "../../language-server/completion/prompt";
import {ChunkedTokenCounter} from "../../language-server/completion/tokenCount";
import {PartTokenCache} from "../../language-server/engine/local/partTokens";

/** A stand-in tokenizer whose count adds up over lines: one token per word, one per line break. */
const words = (s: string) => (s.match(/\S+/g)?.length ?? 0) + (s.match(/\n/g)?.length ?? 0);
const fakeTokens = (s: string) => s.split(/(\s+)/).filter((w) => w !== "").map((w) => w.length as Token);

const file = Array.from({length: 600}, (_, i) => `    const value${i} = compute(${i}, "text ${i}");`).join("\n");

describe("token counting for completion prompts", () => {
    it("counts a text as the sum of its 16-line chunks: the same total as counting it whole", () => {
        const counter = new ChunkedTokenCounter(words);
        for (const text of [file, file.slice(0, 12345), "one line", "", "a\n\nb\n", file + "\n"]) {
            assert.equal(counter.count(text), words(text), JSON.stringify(text.slice(0, 40)));
        }
    });

    it("a keystroke in a prompt asks the tokenizer about one chunk of the prefix window, not the window again", () => {
        const counter = new ChunkedTokenCounter(words);
        const input = (typed: string) => ({prefix: `${file}\n    const typed = ${typed}`, suffix: "\n}\n", languageId: "typescript",
            fileName: "a.ts", snippets: []});
        buildCompletionPrompt(input("a"), "gemma-chat", 1536, counter.count);
        const first = counter.misses;
        assert.ok(first > 2, `the first prompt counts its chunks (${first})`);
        const before = counter.misses;
        const p = buildCompletionPrompt(input("ab"), "gemma-chat", 1536, counter.count);
        assert.ok(counter.misses - before <= 2, `a keystroke counted ${counter.misses - before} new chunks`);
        assert.deepEqual(p, buildCompletionPrompt(input("ab"), "gemma-chat", 1536, words), "the same prompt as exact counting");
    });

    it("tokenizes only the prompt parts that changed, with the same tokens", () => {
        let asked = 0;
        const cache = new PartTokenCache((text) => (asked += text.length, fakeTokens(text)));
        const tokensOf = (typed: string) => buildCompletionPrompt({prefix: `${file}\n    const typed = ${typed}`, suffix: "\n}\n",
            languageId: "typescript", fileName: "a.ts", snippets: []}, "gemma-chat", 1536, words).parts
            .flatMap((p) => [...cache.tokens(p.text, p.special)]);
        const a = tokensOf("a");
        const whole = asked;
        asked = 0;
        const b = tokensOf("ab");
        assert.ok(asked < 40, `a keystroke tokenized ${asked} characters (the prompt has ${whole})`);
        assert.notDeepEqual(a, b);
        assert.deepEqual(b, tokensOf("ab"));
    });

    it("splits the code before the cursor at the cursor line, leaving the text as it was", () => {
        assert.deepEqual(prefixParts("```ts\n", "a\nb\n  c"), [{text: "```ts\na\nb\n", special: false}, {text: "  c", special: false}]);
        assert.deepEqual(prefixParts("", "a\n"), [{text: "a\n", special: false}]);
        assert.deepEqual(prefixParts("x", "abc"), [{text: "xabc", special: false}]);
    });
});
