import assert from "node:assert/strict";
import {defaultServerSettings} from "../../protocol/lsp";
import {mergeSettings, settingsFromInitializationOptions} from "../../language-server/settings";

describe("server settings", () => {
    it("accepts our flat shape, the {gemmaCode: …} shape and a bare modelPath", () => {
        assert.equal(settingsFromInitializationOptions({settings: {modelPath: "/m.gguf"}}).modelPath, "/m.gguf");
        assert.equal(settingsFromInitializationOptions({gemmaCode: {modelPath: "/n.gguf"}}).modelPath, "/n.gguf");
        assert.equal(settingsFromInitializationOptions({modelPath: "/o.gguf"}).modelPath, "/o.gguf");
        assert.deepEqual(settingsFromInitializationOptions(undefined), defaultServerSettings);
    });
    it("ignores values of the wrong type or out of range instead of breaking", () => {
        const s = mergeSettings(defaultServerSettings, {gpu: "tpu", contextSize: -5, threads: 1.5,
            completion: {maxTokens: "lots", promptTokens: 10, enabled: "yes"}});
        assert.deepEqual(s, defaultServerSettings);
        assert.equal(mergeSettings(defaultServerSettings, {completion: {maxTokens: 100000}}).completion.maxTokens, 1024);
        assert.deepEqual(mergeSettings(defaultServerSettings, null), defaultServerSettings);
    });
});
