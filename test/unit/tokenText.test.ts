// The per-token text machinery of the generation loop: incremental stop checks must agree with shouldStop on every
// prefix of a generation, and prompt lookup must draft what followed the newest earlier occurrence of the tail.
import assert from "node:assert/strict";
import type {Token} from "node-llama-cpp";
import {DEFAULT_PROMPT_LOOKUP, lookupDraft, usePromptLookup} from "../../language-server/engine/local/promptLookup";
import {StopScanner} from "../../language-server/engine/local/tokenText";
import {shouldStop} from "../../language-server/engine/engine";
import {parseCpuList, threadsFor} from "../../language-server/engine/local/threadPolicy";

const t = (...n: number[]) => n as Token[];

function rng(seed: number) {
    return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("StopScanner (incremental stop rules)", () => {
    it("agrees with shouldStop after every append, for random texts, stop strings and single-line mode", () => {
        const r = rng(7);
        const alphabet = ["a", "b", " ", "\n", "\n\n", "</", "/code>", "ab", "  x", "\t"];
        const stopSets: (string[] | undefined)[] = [undefined, [], ["</code>"], ["ab\n", "\n\n"], ["b b", "a"]];
        let checked = 0;
        for (let run = 0; run < 400; run++) {
            const stops = stopSets[run % stopSets.length];
            const singleLine = run % 2 === 0;
            const scanner = new StopScanner(stops, singleLine);
            let text = "";
            for (let step = 0; step < 12; step++) {
                text += alphabet[Math.floor(r() * alphabet.length)];
                const expected = shouldStop(text, stops, singleLine);
                assert.equal(scanner.check(text), expected, `${JSON.stringify(text)} stops=${JSON.stringify(stops)} singleLine=${singleLine}`);
                checked++;
                if (expected) break;
            }
        }
        assert.ok(checked > 1000, `${checked} prefixes checked`);
    });
});

describe("prompt lookup (drafts copied from the context)", () => {
    it("drafts the tokens after the newest earlier occurrence of the longest tail n-gram", () => {
        // ... 5 6 7 8 9 ... 5 6 7 1 2 ... 5 6 7 → the newest "5 6 7" was followed by 1 2.
        assert.deepEqual(lookupDraft(t(5, 6, 7, 8, 9, 0, 5, 6, 7, 1, 2, 3, 5, 6, 7), 3), [1, 2, 3]);
        // A longer match wins over a newer shorter one: "4 5 6 7" occurred once, followed by 8.
        assert.deepEqual(lookupDraft(t(4, 5, 6, 7, 8, 9, 0, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7), 2), [8, 9]);
        // The draft stops at the end of the context and at the limit.
        assert.deepEqual(lookupDraft(t(1, 2, 3, 1, 2), 10), [3, 1, 2]);
        assert.deepEqual(lookupDraft(t(1, 2, 3, 4, 1, 2), 1), [3]);
    });

    it("drafts nothing without a repeated n-gram of minNgram tokens, or when no token may be drafted", () => {
        assert.deepEqual(lookupDraft(t(1, 2, 3, 4, 5, 6), 4), []);
        assert.deepEqual(lookupDraft(t(9, 1, 8, 1), 4), [], "a repeated single token is not enough (minNgram 2)");
        assert.deepEqual(lookupDraft(t(1, 2, 3, 1, 2), 0), []);
        assert.deepEqual(lookupDraft(t(1, 2, 3, 1, 2), -1), []);
        assert.deepEqual(lookupDraft(t(), 4), []);
    });

    it("never drafts more than maxTokens, and searches only the window", () => {
        const long = t(...Array.from({length: 40}, (_, i) => i), 0, 1);
        assert.equal(lookupDraft(long, 100).length, DEFAULT_PROMPT_LOOKUP.maxTokens);
        assert.deepEqual(lookupDraft(long, 100, {...DEFAULT_PROMPT_LOOKUP, window: 10}), []);
    });

    it("is on where the settings say, and per backend for auto", () => {
        assert.equal(usePromptLookup("on", "cpu"), true);
        assert.equal(usePromptLookup("off", "gpu"), false);
        assert.equal(typeof usePromptLookup("auto", "cpu"), "boolean");
    });
});

describe("thread policy", () => {
    it("starts with every physical core on the CPU, uses few threads on a GPU, and obeys gemmaCode.threads", () => {
        assert.equal(threadsFor({setting: 0, physicalCores: 2, fullyOffloaded: false}), 2);
        assert.equal(threadsFor({setting: 0, physicalCores: 1, fullyOffloaded: false}), 1);
        assert.equal(threadsFor({setting: 0, physicalCores: 8, fullyOffloaded: false}), 8);
        assert.equal(threadsFor({setting: 0, physicalCores: 16, fullyOffloaded: true}), 2);
        assert.equal(threadsFor({setting: 0, physicalCores: 1, fullyOffloaded: true}), 1);
        assert.equal(threadsFor({setting: 5, physicalCores: 2, fullyOffloaded: true}), 5);
    });

    it("reads Linux CPU lists", () => {
        assert.deepEqual(parseCpuList("0-3,8,10-11\n"), [0, 1, 2, 3, 8, 10, 11]);
        assert.deepEqual(parseCpuList("0"), [0]);
        assert.deepEqual(parseCpuList("junk"), []);
    });
});
