// The transcript layout both engines use for a model without a chat template (engine/transcript.ts): the prompt,
// and what of a reply streams while it is generated.
import assert from "node:assert/strict";
import {TRANSCRIPT_PREAMBLE, TRANSCRIPT_STOPS, transcriptPrompt, visibleDeltas, visibleReply} from "../../language-server/engine/engine";

describe("transcript layout", () => {
    it("renders user turns as questions and replies as answers, without the system text, ending with an open answer", () => {
        const text = transcriptPrompt([{role: "system", content: "You are an assistant."}, {role: "user", content: " What is 1 + 1? "},
            {role: "assistant", content: "2."}, {role: "user", content: "And 2 + 2?"}]);
        assert.equal(text, `${TRANSCRIPT_PREAMBLE}Question: What is 1 + 1?\nAnswer: 2.\n\nQuestion: And 2 + 2?\nAnswer:`);
        assert.ok(!text.includes("You are an assistant."));
    });

    it("shows a reply without the space after the answer label, cut at the next question, and holds back what may start a stop", () => {
        assert.equal(visibleReply(" It is 4.\nQuestion: next", TRANSCRIPT_STOPS, true, true), "It is 4.");
        assert.equal(visibleReply(" It is 4.\nQues", TRANSCRIPT_STOPS, false, true), "It is 4.", "a possible stop is held back");
        assert.equal(visibleReply(" It is 4.\nQues", TRANSCRIPT_STOPS, true, true), "It is 4.\nQues", "and shown at the end");
        assert.equal(visibleReply(" a\n", [], false, false), " a\n", "no trim, no stops: all of it");
    });

    it("streams deltas that add up to the final text", () => {
        const parts: string[] = [];
        const emit = visibleDeltas(TRANSCRIPT_STOPS, true, (d) => parts.push(d));
        let text = "";
        for (const piece of [" ", "It", " is", " 4", ".", "\n", "Qu", "estion", ": more"]) emit(text += piece, false);
        const final = emit(text, true);
        assert.equal(final, "It is 4.");
        assert.equal(parts.join(""), final);
    });
});
