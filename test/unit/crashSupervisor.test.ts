import assert from "node:assert/strict";
import {CrashSupervisor} from "../../src/crashSupervisor";

describe("crash supervisor", () => {
    it("restarts with capped exponential backoff and notifies once per burst", () => {
        let t = 0;
        const s = new CrashSupervisor(() => t, 60_000, 5, 500, 4000);
        const decisions = Array.from({length: 5}, () => {
            t += 100;
            return s.onCrash();
        });
        assert.deepEqual(decisions.map((d) => d.delayMs), [500, 1000, 2000, 4000, 4000]);
        assert.deepEqual(decisions.map((d) => d.notify), [true, false, false, false, false]);
        const giveUp = s.onCrash();
        assert.equal(giveUp.delayMs, undefined, "gives up after 5 crashes in the window");
        assert.equal(giveUp.notify, true, "and says so once");
        assert.equal(s.onCrash().notify, false, "no storm of messages");
    });

    it("forgets crashes outside the window and after a manual restart", () => {
        let t = 0;
        const s = new CrashSupervisor(() => t, 60_000);
        s.onCrash();
        t += 61_000;
        assert.deepEqual(s.onCrash(), {delayMs: 500, notify: true});
        s.onCrash();
        s.reset();
        assert.deepEqual(s.onCrash(), {delayMs: 500, notify: true});
    });
});
