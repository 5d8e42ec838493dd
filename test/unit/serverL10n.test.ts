// The language server speaks its client's language (InitializeParams.locale): every l10n.t key of language-server/
// and common/ is in every server bundle (l10n/server/) with the same placeholders and with its code, settings,
// URLs and HTTP words kept; no message site (errors, state, notes, code action titles) bypasses l10n.t; and the
// translator finds each message by its English text, arguments and joined sentences included.
// GEMMA_CODE_L10N_WRITE=1 rewrites l10n/server/bundle.l10n.json (the English bundle) from the code.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {t, Translator, translatorFor} from "../../language-server/l10n";
import {extractKeys, findUntranslatedMessages, looksLikeProse, placeholders, sourceFiles, writeEnglishBundle} from "../support/l10nScan";
import {repoRoot} from "../support/paths";

const dir = path.join(repoRoot, "l10n", "server");
const files = sourceFiles(repoRoot, ["language-server", "common"]);
const {keys, problems} = extractKeys(files, repoRoot);
const unique = [...new Set(keys.map((k) => k.key))].sort();
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
/** The languages the extension ships (its bundles, l10n/bundle.l10n.<locale>.json): the server speaks each of them too. */
const LOCALES = fs.readdirSync(path.join(repoRoot, "l10n")).flatMap((f) => /^bundle\.l10n\.([\w-]+)\.json$/.exec(f)?.[1] ?? []).sort();

/** What a translation keeps as it is: settings, URLs, file names, code, protocol words, products and units. */
const KEPT = /gemmaCode(?:\.\w+)+|https?:\/\/[\w:./-]*|GET \/v1\/models|`[^`]+`|\.gguf|\bGGUF\b|\bHTTP\b|\bTLS\b|llama\.cpp|finish_reason|\[DONE\]|\bGPU\b|\bCPU\b|OpenAI|"(auto|cpu|local|GGUF)"|--[a-z-]+( [A-Z]+)?|GEMMA_CODE_\w+|gemma-code:/g;
const kept = (s: string) => [...s.matchAll(KEPT)].map((m) => m[0]).sort();

describe("the language server's messages in the client's language", function () {
    this.timeout(60_000);
    before(() => {
        if (process.env.GEMMA_CODE_L10N_WRITE === "1") writeEnglishBundle(dir, unique, LOCALES);
    });

    it("every l10n.t call of the server has a literal message", () => {
        assert.deepEqual(LOCALES, ["ar", "bn", "es", "hi", "ur", "zh-cn"]);
        assert.deepEqual(problems, []);
        assert.ok(unique.length > 60, `only ${unique.length} keys found: is the scanner looking in the right place?`);
    });

    it("the English server bundle holds exactly the keys the server uses", () => {
        const english = readJson(path.join(dir, "bundle.l10n.json"));
        assert.deepEqual(Object.keys(english).sort(), unique, "run GEMMA_CODE_L10N_WRITE=1 mocha out/test/unit/serverL10n.test.js");
        for (const [k, v] of Object.entries(english)) assert.equal(v, k);
    });

    for (const locale of LOCALES) {
        it(`l10n/server/bundle.l10n.${locale}.json translates every message, keeping placeholders, code and settings`, () => {
            const bundle = readJson(path.join(dir, `bundle.l10n.${locale}.json`));
            assert.deepEqual(unique.filter((k) => typeof bundle[k] !== "string" || !bundle[k].trim()), [], `${locale}: untranslated`);
            assert.deepEqual(Object.keys(bundle).filter((k) => !unique.includes(k)), [], `${locale}: keys no code uses`);
            const broken = unique.filter((k) => placeholders(k).join() !== placeholders(bundle[k]).join());
            assert.deepEqual(broken.map((k) => [k, bundle[k]]), [], `${locale}: placeholders differ`);
            const same = unique.filter((k) => bundle[k] === k && looksLikeProse(k));
            assert.deepEqual(same, [], `${locale}: left in English`);
            const changed = unique.filter((k) => kept(k).join("\n") !== kept(bundle[k]).join("\n"));
            assert.deepEqual(changed.map((k) => [kept(k), kept(bundle[k]), bundle[k]]), [], `${locale}: code, settings or URLs changed`);
        });
    }

    it("no message of the server bypasses l10n.t", () => {
        const findings = findUntranslatedMessages(files, repoRoot);
        assert.deepEqual(findings.map((f) => `${f.file}:${f.line}: ${f.text}`), []);
    });

    it("the message scanner sees messages that bypass l10n.t (and not prompts, logs or marked ones)", () => {
        const file = path.join(repoRoot, "test/fixtures/l10n/serverBypass.ts");
        const found = [...new Set(findUntranslatedMessages([file], repoRoot).map((f) => f.line))];
        const marked = fs.readFileSync(file, "utf8").split("\n").flatMap((l, i) => /\/\/ flagged/.test(l) ? [i + 1] : []);
        assert.deepEqual(found, marked);
        assert.ok(marked.length >= 6);
    });

    describe("the translator", () => {
        let hi: Record<string, string>;
        let tr: Translator;
        before(() => {
            hi = readJson(path.join(dir, "bundle.l10n.hi.json"));
            tr = translatorFor("hi", dir);
        });
        const key = "The model file {0} does not exist: check {1} or pick another file.";

        it("translates a message by its English text, its arguments (paths, settings) as they are", () => {
            const english = t(key, "/m/gemma 2.gguf", "gemmaCode.modelPath");
            assert.equal(tr.text(english), t(hi[key], "/m/gemma 2.gguf", "gemmaCode.modelPath"));
            assert.notEqual(tr.text(english), english);
        });

        it("every message comes back as its own translation (no key is taken for another)", () => {
            const mixed = unique.filter((k) => {
                const args = placeholders(k).map((_, i) => `«${i}»`);
                return tr.text(t(k, ...args)) !== t(hi[k], ...args);
            });
            assert.deepEqual(mixed, []);
        });

        it("translates arguments that are messages, lists of them, and sentences joined by a space", () => {
            const gpu = t("the GPU with a smaller context ({0} tokens)", 2048);
            const failure = t("{0}: the model did not load ({1})", gpu, "cudaMalloc failed");
            const fellBack = t("Running on {0}, because {1}.", t("the CPU"), [failure, t("{0}: its context did not fit ({1})", t("the GPU"), "oom")].join("; "));
            const expected = t(hi["Running on {0}, because {1}."], hi["the CPU"], [
                t(hi["{0}: the model did not load ({1})"], t(hi["the GPU with a smaller context ({0} tokens)"], 2048), "cudaMalloc failed"),
                t(hi["{0}: its context did not fit ({1})"], hi["the GPU"], "oom")].join("; "));
            assert.equal(tr.text(fellBack), expected);
            const ready = [t("{0} ready on {1}.", "gemma-2-2b-it", "CPU"), t("{0} other window(s) also hold this model in memory.", 2), fellBack].join(" ");
            assert.equal(tr.text(ready), [t(hi["{0} ready on {1}."], "gemma-2-2b-it", "CPU"),
                t(hi["{0} other window(s) also hold this model in memory."], 2), expected].join(" "));
        });

        it("leaves text that is no message of ours (a server's own error text) as it is", () => {
            for (const text of ["fatal: not a git repository", "CUDA error 2 at ggml-cuda.cu:123: out of memory", ""]) assert.equal(tr.text(text), text);
            // Inside a message, the quoted text stays as the server wrote it.
            const quoted = t("The inference server at {0} returned HTTP {1} for {2}: {3}.", "http://h:8080", 500, "POST /v1/chat/completions", "Request cancelled");
            assert.ok(tr.text(quoted).includes("http://h:8080") && tr.text(quoted).includes("POST /v1/chat/completions"));
        });

        it("English, no locale, or a language without a bundle: the message as it is", () => {
            const english = t(key, "/m.gguf", "gemmaCode.modelPath");
            for (const locale of [undefined, "en", "en-GB", "fr", "zh-tw", "../../etc", 42]) {
                assert.equal(translatorFor(locale, dir).text(english), english, String(locale));
                assert.equal(translatorFor(locale, dir).translates, false, String(locale));
            }
        });

        it("finds a bundle by the client's locale as LSP clients write it", () => {
            const zh = readJson(path.join(dir, "bundle.l10n.zh-cn.json"));
            const es = readJson(path.join(dir, "bundle.l10n.es.json"));
            assert.equal(translatorFor("zh-CN", dir).text(t("the CPU")), zh["the CPU"]);
            assert.equal(translatorFor("es-MX", dir).text(t("the CPU")), es["the CPU"]);
            assert.equal(translatorFor("hi_IN", dir).text(t("the CPU")), hi["the CPU"]);
            assert.equal(new Translator(undefined).text("x"), "x");
        });
    });
});
