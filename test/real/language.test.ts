// Real weights (Gemma 3 270M) answering in the user's language, each as a rate over a fixed set of prompts:
// a chat question asked in Hindi gets a reply that is mostly Devanagari (with responseLanguage left at English:
// the question's script decides); with responseLanguage "bn" an explanation is mostly Bengali; with "hi" every
// review still returns schema-valid comments. Thresholds are the measured rates (see MIN_ANSWERED). Also
// measures what the same answer costs in tokens in English, Hindi and Bengali with Gemma's own tokenizer.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type {ChatResult, ReviewResult} from "../../protocol/lsp";
import {TestLspClient} from "../support/lspClient";
import {artifactsDir} from "../support/paths";
import {BENGALI, BENGALI_EXPLAIN_CASES, DEVANAGARI, echoesPrompt, explainRange, HINDI_CHAT_CONTEXT, HINDI_QUESTIONS, LANGUAGE_FILES,
    MOSTLY, scriptShare} from "../support/languagePrompts";
import {realModelPath} from "../support/realModel";

/**
 * Thresholds, from the measurement (2026-12-02, CPU, 2-core VM shared with other runs, load ≈ 6, Gemma 3 270M, these
 * prompts; greedy, so the counts repeat run to run). The PyPI 270M is a base model (no chat template): it continues
 * the pattern of its prompt, so the plain transcript it gets shows worked examples written in the reply's language and
 * the task's own words are in it too (engine/local/chatGeneration.ts, tasks/language.ts). Measured with that:
 *   Hindi chat: 3/6 replies mostly Devanagari and not the prompt's words (English example: 0/6, one Hindi example: 2/6);
 *   Bengali explanations: 1/4 (English example: 0/4, one Bengali example: 0/4).
 * The replies are in the script, not good answers: the 270M base model mostly imitates the examples' form ("`x` का
 * मान `3` है।"). An answer "not the prompt's words" does not repeat the instructions, the language request, the task's
 * sentences, the numbered code lines or the examples' code (echoesPrompt). Thresholds: Hindi 2/6 (one below the
 * measurement, for another machine's rounding), Bengali 1/4 (the measurement: one lower would assert nothing);
 * prompt repeats at most 2/6 and 2/4 (measured 0/6 and 1/4); reviews parse 4/4 (the grammar guarantees it).
 */
const MAX_ECHOES = {hindiChat: 2, bengaliExplain: 2};
const MIN_ANSWERED = {hindiChat: 2, bengaliExplain: 1};
const RATES = {reviewJson: 1};
/** The same answer in three languages, for the token cost (written by hand, not by the model). */
const SAME_ANSWER = {
    en: "The loop condition uses <= instead of <, so the last iteration reads numbers[numbers.length], which is "
        + "undefined. Adding undefined to the total makes it NaN, and the function returns NaN. Change the condition "
        + "to i < numbers.length.",
    hi: "लूप की शर्त में < की जगह <= लिखा है, इसलिए आख़िरी बार लूप numbers[numbers.length] पढ़ता है, जो undefined है। "
        + "total में undefined जोड़ने से वह NaN हो जाता है, और फ़ंक्शन NaN लौटाता है। शर्त को i < numbers.length कर दीजिए।",
    bn: "লুপের শর্তে < এর বদলে <= লেখা আছে, তাই শেষবার লুপটি numbers[numbers.length] পড়ে, যা undefined। "
        + "total-এ undefined যোগ করলে সেটি NaN হয়ে যায়, আর ফাংশনটি NaN ফেরত দেয়। শর্তটি i < numbers.length করে দিন।"
};

describe("real model: answers in the user's language", function () {
    this.timeout(1_800_000);
    let client: TestLspClient;
    const report: Record<string, unknown> = {};

    before(async () => {
        ({client} = await TestLspClient.start({settings: {modelPath: realModelPath(), chat: {maxTokens: 96}}}));
        await client.waitForState((s) => s.status === "ready");
        for (const [uri, file] of Object.entries(LANGUAGE_FILES)) await client.open(uri, file.text, file.languageId);
    });
    after(async () => {
        await client?.shutdown();
        fs.mkdirSync(artifactsDir, {recursive: true});
        fs.writeFileSync(path.join(artifactsDir, "real-language.json"), `${JSON.stringify(report, null, 2)}\n`);
    });

    const setLanguage = (tag: string) =>
        client.connection.sendNotification("workspace/didChangeConfiguration", {settings: {responseLanguage: tag}});

    it("chat: a question asked in Hindi is answered mostly in Devanagari, not with the prompt's words", async () => {
        await setLanguage("");
        const rows = [];
        for (const question of HINDI_QUESTIONS) {
            const result = await client.connection.sendRequest<ChatResult>("gemma/chat", {
                messages: [{role: "user", content: question}], context: [{label: HINDI_CHAT_CONTEXT.label, text: LANGUAGE_FILES[HINDI_CHAT_CONTEXT.uri].text}]
            });
            const share = scriptShare(result.content, DEVANAGARI);
            rows.push({question, share: Number(share.toFixed(2)), echo: echoesPrompt(result.content, "hi"), reply: result.content.slice(0, 400)});
            console.log(`      ${(100 * share).toFixed(0).padStart(3)} % Devanagari: ${JSON.stringify(result.content.slice(0, 120))}`);
        }
        const rate = rows.filter((r) => r.share >= MOSTLY).length / rows.length;
        report.hindiChat = {rate, rows};
        console.log(`      Hindi chat: ${rows.filter((r) => r.share >= MOSTLY).length}/${rows.length} mostly Devanagari, `
            + `${rows.filter((r) => r.share >= MOSTLY && !r.echo).length}/${rows.length} of them not the prompt's words, `
            + `${rows.filter((r) => r.echo).length}/${rows.length} repeat the prompt`);
        const echoes = rows.filter((r) => r.echo).length;
        // Answered in Hindi: mostly Devanagari, and not by repeating the prompt (which is in Hindi too).
        const answered = rows.filter((r) => r.share >= MOSTLY && !r.echo).length;
        assert.ok(answered >= MIN_ANSWERED.hindiChat, `${answered}/${rows.length} Hindi chat replies mostly Devanagari and not the prompt's words (< ${MIN_ANSWERED.hindiChat})`);
        assert.ok(echoes <= MAX_ECHOES.hindiChat, `${echoes}/${rows.length} replies repeat the prompt`);
    });

    it("explain: with responseLanguage bn an explanation is mostly Bengali, not the prompt's words", async () => {
        await setLanguage("bn");
        const rows = [];
        for (const c of BENGALI_EXPLAIN_CASES) {
            const range = explainRange(c.line);
            const result = await client.connection.sendRequest<string>("gemma/explain", {
                textDocument: {uri: c.uri}, range, ...(c.diagnostic ? {diagnostic: {range, ...c.diagnostic}} : {})
            });
            const share = scriptShare(result, BENGALI);
            rows.push({uri: c.uri, share: Number(share.toFixed(2)), echo: echoesPrompt(result, "bn"), reply: result.slice(0, 400)});
            console.log(`      ${(100 * share).toFixed(0).padStart(3)} % Bengali: ${JSON.stringify(result.slice(0, 120))}`);
        }
        const rate = rows.filter((r) => r.share >= MOSTLY).length / rows.length;
        report.bengaliExplain = {rate, rows};
        console.log(`      Bengali explain: ${rows.filter((r) => r.share >= MOSTLY).length}/${rows.length} mostly Bengali, `
            + `${rows.filter((r) => r.share >= MOSTLY && !r.echo).length}/${rows.length} of them not the prompt's words, `
            + `${rows.filter((r) => r.echo).length}/${rows.length} repeat the prompt`);
        const echoes = rows.filter((r) => r.echo).length;
        const answered = rows.filter((r) => r.share >= MOSTLY && !r.echo).length;
        assert.ok(answered >= MIN_ANSWERED.bengaliExplain, `${answered}/${rows.length} explanations mostly Bengali and not the prompt's words (< ${MIN_ANSWERED.bengaliExplain})`);
        assert.ok(echoes <= MAX_ECHOES.bengaliExplain, `${echoes}/${rows.length} explanations repeat the prompt`);
    });

    it("review: with responseLanguage hi the comments still parse and point at real lines", async () => {
        await setLanguage("hi");
        const files = (["file:///real/average.js", "file:///real/greet.py", "file:///real/oldest.ts", "file:///real/average.js"] as const)
            .map((uri) => [uri, LANGUAGE_FILES[uri].text] as const);
        const rows = [];
        for (const [uri, text] of files) {
            const lines = text.split("\n");
            let ok = false;
            let detail = "";
            try {
                const result = await client.connection.sendRequest<ReviewResult>("gemma/review", {textDocument: {uri}});
                ok = Array.isArray(result.comments) && result.comments.every((c) => typeof c.message === "string" && c.message.trim().length > 0
                    && c.range.start.line >= 0 && c.range.start.line < lines.length);
                const messages = result.comments.map((c) => c.message);
                detail = JSON.stringify(messages).slice(0, 300);
                rows.push({uri, ok, comments: messages.length, devanagari: Number(scriptShare(messages.join(" "), DEVANAGARI).toFixed(2)), messages});
            } catch (error) {
                rows.push({uri, ok, error: String(error)});
            }
            console.log(`      review ${uri}: ${ok ? "parsed" : "FAILED"} ${detail}`);
        }
        const rate = rows.filter((r) => r.ok).length / rows.length;
        report.reviewJson = {rate, threshold: RATES.reviewJson, rows};
        assert.ok(rate >= RATES.reviewJson, `rate ${rate} < ${RATES.reviewJson}`);
    });

    it("measures the token cost of the same answer in English, Hindi and Bengali (Gemma's tokenizer)", async () => {
        const {getLlama} = await import("node-llama-cpp");
        const llama = await getLlama({gpu: false});
        const model = await llama.loadModel({modelPath: realModelPath(), vocabOnly: true});
        try {
            const cost = Object.fromEntries(Object.entries(SAME_ANSWER).map(([lang, text]) =>
                [lang, {tokens: model.tokenize(text).length, chars: [...text].length}]));
            const ratio = (lang: "hi" | "bn") => cost[lang].tokens / cost.en.tokens;
            report.tokenCost = {...cost, hiOverEn: Number(ratio("hi").toFixed(2)), bnOverEn: Number(ratio("bn").toFixed(2))};
            console.log(`      tokens: en ${cost.en.tokens}, hi ${cost.hi.tokens} (${ratio("hi").toFixed(2)}×), bn ${cost.bn.tokens} (${ratio("bn").toFixed(2)}×)`);
            // The review budget's factor (language-server/review/reviewRunner.ts) must cover what was measured.
            const {NON_LATIN_TOKEN_FACTOR} = await import("../../language-server/review/reviewRunner");
            assert.ok(NON_LATIN_TOKEN_FACTOR >= ratio("hi") && NON_LATIN_TOKEN_FACTOR >= ratio("bn"),
                `NON_LATIN_TOKEN_FACTOR ${NON_LATIN_TOKEN_FACTOR} < measured ${ratio("hi")}, ${ratio("bn")}`);
        } finally {
            await model.dispose();
        }
    });
});
