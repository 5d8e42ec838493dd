// The extension speaks the user's language: every message key is in every bundle with the same placeholders,
// plural messages come in pairs, the manifest's %keys% are in every package.nls file, and no prose in src/ or
// media/ bypasses l10n. GEMMA_CODE_L10N_WRITE=1 rewrites l10n/bundle.l10n.json (the English bundle) from the code.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {format, formatNumber, isRightToLeft, plural} from "../../src/l10n";
import {extractKeys, findUntranslated, looksLikeProse, placeholders, sourceFiles, writeEnglishBundle} from "../support/l10nScan";
import {repoRoot} from "../support/paths";

/** The languages we ship, as VS Code names them (vscode.env.language). */
export const LOCALES = ["hi", "bn", "ur", "ar", "es", "zh-cn"];

const l10nDir = path.join(repoRoot, "l10n");
const files = sourceFiles(repoRoot, ["src", "media"]);
const {keys, problems} = extractKeys(files, repoRoot);
const unique = [...new Set(keys.map((k) => k.key))].sort();
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;

describe("localization", function () {
    // Parsing every source file takes a second or two on a loaded machine.
    this.timeout(60_000);
    before(() => {
        if (process.env.GEMMA_CODE_L10N_WRITE === "1") writeEnglishBundle(l10nDir, unique, LOCALES);
    });

    it("every l10n call has a literal message (a key a bundle can hold)", () => {
        assert.deepEqual(problems, []);
        assert.ok(unique.length > 150, `only ${unique.length} keys found: is the scanner looking in the right place?`);
    });

    it("the English bundle holds exactly the keys the code uses", () => {
        const english = readJson(path.join(l10nDir, "bundle.l10n.json"));
        assert.deepEqual(Object.keys(english).sort(), unique, "run GEMMA_CODE_L10N_WRITE=1 mocha out/test/unit/l10n.test.js");
        for (const [k, v] of Object.entries(english)) assert.equal(v, k);
    });

    for (const locale of LOCALES) {
        it(`bundle.l10n.${locale}.json translates every key, keeping its placeholders`, () => {
            const bundle = readJson(path.join(l10nDir, `bundle.l10n.${locale}.json`));
            const missing = unique.filter((k) => typeof bundle[k] !== "string" || !bundle[k].trim());
            assert.deepEqual(missing, [], `${locale}: untranslated`);
            const extra = Object.keys(bundle).filter((k) => !unique.includes(k));
            assert.deepEqual(extra, [], `${locale}: keys no code uses`);
            const broken = unique.filter((k) => placeholders(k).join() !== placeholders(bundle[k]).join());
            assert.deepEqual(broken.map((k) => [k, bundle[k]]), [], `${locale}: placeholders differ`);
            // A translation that is the English text itself is a forgotten one (brand names and symbols aside).
            const same = unique.filter((k) => bundle[k] === k && looksLikeProse(k) && !/^Gemma( Code)?$/.test(k));
            assert.deepEqual(same, [], `${locale}: left in English`);
        });

        it(`package.nls.${locale}.json translates every %key% of the manifest`, () => {
            const manifest = fs.readFileSync(path.join(repoRoot, "package.json"), "utf8");
            const used = [...new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]))].sort();
            const english = readJson(path.join(repoRoot, "package.nls.json"));
            assert.deepEqual(used.filter((k) => !(k in english)), [], "package.nls.json");
            const nls = readJson(path.join(repoRoot, `package.nls.${locale}.json`));
            assert.deepEqual(used.filter((k) => typeof nls[k] !== "string" || !nls[k].trim()), [], `package.nls.${locale}.json`);
            assert.deepEqual(Object.keys(nls).filter((k) => !(k in english)), [], `package.nls.${locale}.json: unknown keys`);
            const broken = used.filter((k) => placeholders(english[k]).join() !== placeholders(nls[k]).join());
            assert.deepEqual(broken, [], `package.nls.${locale}.json: placeholders differ`);
        });
    }

    // The walkthrough's pages are Markdown files the manifest names through package.nls (VS Code substitutes any
    // %key% of the manifest, paths included): each language has its own pages, in its script, with the same code,
    // settings and command names as the English page (those stay as the UI and the code show them).
    const SCRIPTS: Record<string, RegExp> = {hi: /\p{Script=Devanagari}/u, bn: /\p{Script=Bengali}/u, ur: /\p{Script=Arabic}/u,
        ar: /\p{Script=Arabic}/u, "zh-cn": /\p{Script=Han}/u};
    const steps = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")).contributes.walkthroughs as
        {steps: {id: string; media: {markdown?: string}}[]}[]).flatMap((w) => w.steps);
    const page = (nls: Record<string, string>, markdown: string) => {
        const key = /^%([^%]+)%$/.exec(markdown)?.[1];
        assert.ok(key && nls[key], `${markdown} is not a package.nls key`);
        return nls[key];
    };
    const kept = (md: string) => [...md.matchAll(/`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|✨/g)].map((m) => m[0]).sort();
    for (const locale of LOCALES) {
        it(`the walkthrough's pages in ${locale}: its own files, in its script, code and command names kept`, () => {
            const english = readJson(path.join(repoRoot, "package.nls.json"));
            const nls = readJson(path.join(repoRoot, `package.nls.${locale}.json`));
            assert.ok(steps.length >= 4);
            for (const step of steps) {
                const en = fs.readFileSync(path.join(repoRoot, page(english, step.media.markdown!)), "utf8");
                const file = page(nls, step.media.markdown!);
                assert.notEqual(file, page(english, step.media.markdown!), `${step.id}: the English page`);
                const text = fs.readFileSync(path.join(repoRoot, file), "utf8");
                assert.deepEqual(kept(text), kept(en), `${file}: code, settings or command names differ from the English page`);
                const prose = text.replace(/`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*/g, "");
                const letters = [...prose].filter((ch) => /\p{L}/u.test(ch));
                const script = SCRIPTS[locale];
                if (script) {
                    const share = letters.filter((ch) => script.test(ch)).length / letters.length;
                    assert.ok(share > 0.6, `${file}: ${Math.round(share * 100)} % of its letters in the locale's script`);
                } else {
                    assert.ok(!prose.includes(" the ") && /[áéíóúñ¿]/.test(prose), `${file}: not Spanish`);
                }
            }
        });
    }

    it("the manifest's titles and descriptions are %keys%, not English", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
        const c = manifest.contributes;
        const texts: [string, unknown][] = [];
        for (const cmd of c.commands ?? []) texts.push([`command ${cmd.command}`, cmd.title], [`category of ${cmd.command}`, cmd.category]);
        const configs = Array.isArray(c.configuration) ? c.configuration : [c.configuration];
        for (const conf of configs) {
            for (const [k, v] of Object.entries(conf.properties ?? {}) as [string, Record<string, unknown>][]) {
                texts.push([k, v.markdownDescription ?? v.description]);
                for (const d of (v.enumDescriptions ?? v.markdownEnumDescriptions ?? []) as unknown[]) texts.push([`${k} enum`, d]);
            }
        }
        for (const container of Object.values(c.viewsContainers ?? {}) as {title: string}[][]) for (const v of container) texts.push(["view container", v.title]);
        for (const views of Object.values(c.views ?? {}) as {name: string}[][]) for (const v of views) texts.push(["view", v.name]);
        for (const w of c.walkthroughs ?? []) {
            texts.push(["walkthrough", w.title], ["walkthrough", w.description]);
            for (const s of w.steps) texts.push([`step ${s.id}`, s.title], [`step ${s.id}`, s.description]);
        }
        texts.push(["displayName", manifest.displayName], ["description", manifest.description]);
        const english = texts.filter(([, v]) => typeof v === "string" && !/^%[^%]+%$/.test(v));
        assert.deepEqual(english, []);
    });

    it("no prose in src/ or media/ bypasses l10n", () => {
        const findings = findUntranslated(files, repoRoot);
        assert.deepEqual(findings.map((f) => `${f.file}:${f.line}: ${f.text}`), []);
    });

    it("the scanner sees prose that bypasses l10n (and not what is no prose)", () => {
        const file = path.join(repoRoot, "test/fixtures/l10n/bypass.ts");
        const found = findUntranslated([file], repoRoot).map((f) => f.line);
        const marked = fs.readFileSync(file, "utf8").split("\n").flatMap((l, i) => /\/\/ flagged/.test(l) ? [i + 1] : []);
        assert.deepEqual(found, marked);
        assert.ok(marked.length >= 5);
    });

    it("formats messages, plurals and numbers like vscode.l10n.t outside VS Code", () => {
        assert.equal(format("{0} of {1} MB", ["3", "4"]), "3 of 4 MB");
        assert.equal(format("{1}{0}{2}", ["a", "b"]), "ba{2}");
        assert.equal(plural(1, "Gemma left {0} comment.", "Gemma left {0} comments."), "Gemma left 1 comment.");
        assert.equal(plural(12345, "Gemma left {0} comment.", "Gemma left {0} comments."), "Gemma left 12,345 comments.");
        assert.equal(formatNumber(1234567, undefined, "hi"), "12,34,567");
        assert.equal(formatNumber(1234.5, undefined, "es"), "1234,5");
        assert.equal(formatNumber(12345, undefined, "de"), "12.345");
        assert.match(formatNumber(12345, undefined, "ar"), /^[\u0660-\u0669\u066c]+$|^12,345$/);
        assert.equal(formatNumber(7, undefined, "not a tag!"), "7");
        assert.ok(isRightToLeft("ar") && isRightToLeft("ur") && isRightToLeft("he-il"));
        assert.ok(!isRightToLeft("hi") && !isRightToLeft("zh-cn") && !isRightToLeft("en"));
    });

    it("plural messages are declared in pairs with the count as {0}", () => {
        const pairs = keys.filter((k) => k.pluralPartner);
        assert.ok(pairs.length >= 4);
        for (const k of pairs) assert.ok(placeholders(k.key).includes("{0}"), `${k.file}:${k.line} ${k.key}`);
    });
});
