import assert from "node:assert/strict";
import type {LlamaContextSequence, Token} from "node-llama-cpp";
import {Drafter} from "../../language-server/engine/local/drafter";

/** A draft sequence that "predicts" token t + 1 after t, with the confidence given per token, and logs its calls. */
class FakeSequence {
    tokens: number[] = [];
    readonly calls: string[] = [];
    failNext = false;
    constructor(readonly contextSize = 64, readonly confidence: (t: number) => number = () => 0.9) {}
    get nextTokenIndex() {
        return this.tokens.length;
    }
    compareContextTokens(other: number[]) {
        let i = 0;
        while (i < this.tokens.length && this.tokens[i] === other[i]) i++;
        return {firstDifferentIndex: i};
    }
    async eraseContextTokenRanges([{start, end}]: {start: number; end: number}[]) {
        this.calls.push(`erase ${start}-${end}`);
        this.tokens.splice(start, end - start);
    }
    async evaluateWithoutGeneratingNewTokens(tokens: number[]) {
        this.calls.push(`prefill ${tokens.join(",")}`);
        this.tokens.push(...tokens);
    }
    async *evaluateWithMetadata(tokens: number[]) {
        if (this.failNext) throw new Error("decode failed");
        this.calls.push(`draft from ${tokens.join(",")}`);
        this.tokens.push(...tokens);
        let last = tokens.at(-1)!;
        for (;;) {
            const token = last + 1;
            yield {token, confidence: this.confidence(token)};
            this.tokens.push(token); // evaluated only when asked for the next one, as node-llama-cpp does
            last = token;
        }
    }
}

const drafterOn = (seq: FakeSequence, options: Partial<ConstructorParameters<typeof Drafter>[1]> = {}) =>
    new Drafter(seq as unknown as LlamaContextSequence, {maxTokens: 4, minConfidence: 0.5, ...options});
const t = (...n: number[]) => n as Token[];
const tk = (n: number) => n as Token;

describe("Drafter (speculative decoding's draft side)", () => {
    it("drafts up to maxTokens after the pending token, and ends before an unsure token", async () => {
        const seq = new FakeSequence(64, (token) => (token === 13 ? 0.1 : 0.9));
        const d = drafterOn(seq);
        assert.deepEqual(await d.draft(t(1, 2, 3), tk(4), 10), [5, 6, 7, 8]);
        assert.deepEqual(seq.calls, ["draft from 1,2,3,4"], "history and pending in one batch");
        assert.deepEqual(await d.draft(t(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), tk(11), 2), [12], "stops before 13 (unsure)");
        assert.deepEqual(await d.draft(t(1, 2), tk(3), 0), [], "no room: no draft");
    });

    it("realigns by prefix: erases a stale tail, even when the new history is a prefix of the old state", async () => {
        const seq = new FakeSequence();
        const d = drafterOn(seq);
        await d.draft(t(1, 2, 3), tk(4), 4); // state now 1,2,3,4,5,6,7 (8 drafted, not evaluated)
        seq.calls.length = 0;
        // The main model accepted 5 and 6 and chose 9: history 1..6, pending 9.
        assert.deepEqual(await d.draft(t(1, 2, 3, 4, 5, 6), tk(9), 1), [10]);
        assert.deepEqual(seq.calls, ["erase 6-7", "draft from 9"]);
        seq.calls.length = 0;
        // The same prompt again (a prefix of the state): everything after it goes.
        await d.align(t(1, 2, 3));
        assert.deepEqual(seq.calls, ["erase 3-7"]);
        assert.deepEqual(seq.tokens, [1, 2, 3]);
        // A whole draft accepted: the draft's own last token comes with the pending one.
        await d.draft(t(1, 2, 3), tk(4), 2); // state 1,2,3,4,5 (6 drafted)
        seq.calls.length = 0;
        await d.draft(t(1, 2, 3, 4, 5, 6), tk(7), 1);
        assert.deepEqual(seq.calls, ["draft from 6,7"]);
    });

    it("a failing draft model gives no draft, is reported, and is left alone after three failures", async () => {
        const seq = new FakeSequence();
        const errors: unknown[] = [];
        const d = drafterOn(seq, {onError: (e) => errors.push(e)});
        seq.failNext = true;
        for (let i = 0; i < 3; i++) assert.deepEqual(await d.draft(t(1, 2), tk(3), 4), []);
        assert.equal(errors.length, 3);
        seq.failNext = false;
        assert.deepEqual(await d.draft(t(1, 2), tk(3), 4), [], "disabled");
        assert.equal(d.fits(2), false);
    });

    it("drafts nothing when the history and a draft do not fit in its context", async () => {
        const d = drafterOn(new FakeSequence(10));
        assert.equal(d.fits(4), true, "4 + a draft of 4 + the pending token < 10");
        assert.equal(d.fits(5), false);
        assert.deepEqual(await d.draft(t(1, 2, 3, 4, 5), tk(6), 4), []);
    });
});
