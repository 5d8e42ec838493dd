import assert from "node:assert/strict";
import {AdaptiveDebounce} from "../../language-server/completion/debounce";

describe("adaptive debounce", () => {
    it("starts at the base delay and grows for fast typists, within bounds", () => {
        let t = 0;
        const d = new AdaptiveDebounce(() => 150, () => t);
        assert.equal(d.next(), 150);
        const waits: number[] = [];
        for (let i = 0; i < 20; i++) {
            t += 80;
            waits.push(d.next());
        }
        // Typing every 80 ms: wait ~1.3× the gap so the next key usually arrives first.
        assert.ok(waits.at(-1)! >= 100 && waits.at(-1)! <= 110, `got ${waits.at(-1)}`);
        t += 400;
        for (let i = 0; i < 20; i++) {
            t += 400;
            d.next();
        }
        t += 400;
        assert.equal(d.next(), 520, "slow typing waits longer (1.3 × 400 ms)");
        t += 5000;
        assert.ok(d.next() <= 600, "a long pause does not count as typing speed");
    });
});
