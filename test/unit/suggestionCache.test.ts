import assert from "node:assert/strict";
import {SuggestionCache} from "../../language-server/completion/suggestionCache";

describe("suggestion cache and typed-ahead", () => {
    const at = (prefix: string, suffix = "\n}") => ({uri: "file:///a.ts", prefix, suffix});

    it("returns the suggestion for the same spot", () => {
        const c = new SuggestionCache();
        c.remember(at("let x = "), "compute(1, 2);");
        assert.deepEqual(c.lookup(at("let x = ")), {completion: "compute(1, 2);", typedAhead: false});
    });

    it("returns the rest of a suggestion whose first characters were typed, for every character typed", () => {
        const c = new SuggestionCache();
        const suggestion = "compute(1, 2);";
        c.remember(at("let x = "), suggestion);
        for (let i = 1; i < suggestion.length; i++) {
            assert.deepEqual(c.lookup(at("let x = " + suggestion.slice(0, i))),
                {completion: suggestion.slice(i), typedAhead: true}, `after typing ${i} characters`);
        }
    });

    it("misses when the typed text diverges, the text after the cursor changed, or the document differs", () => {
        const c = new SuggestionCache();
        c.remember(at("let x = "), "compute(1, 2);");
        assert.equal(c.lookup(at("let x = cx")), undefined);
        assert.equal(c.lookup(at("let x = c", "\n}\nmore")), undefined);
        assert.equal(c.lookup({...at("let x = c"), uri: "file:///b.ts"}), undefined);
        assert.equal(c.lookup(at("let y = c")), undefined, "same length, different text before");
    });

    it("evicts the least recently used entry beyond its capacity", () => {
        const c = new SuggestionCache(2);
        c.remember(at("a"), "1");
        c.remember(at("b"), "2");
        c.lookup(at("a"));
        c.remember(at("c"), "3");
        assert.ok(c.lookup(at("a")));
        assert.equal(c.lookup(at("b")), undefined);
    });
});
