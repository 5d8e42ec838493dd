// Answers in the user's language, server side: the setting's shape, the language a chat question is written in,
// the instruction in chat, explain and review prompts (and none in English, so English prompts are unchanged),
// the review budget for non-Latin scripts, the remote engine's token estimate for them, and the CLI's --language.
import assert from "node:assert/strict";
import {TextDocument} from "vscode-languageserver-textdocument";
import {defaultServerSettings} from "../../protocol/lsp";
import {parseArgs} from "../../language-server/cli/main";
import {estimateTokens} from "../../language-server/engine/remote/session";
import {reviewPrompt} from "../../language-server/review/reviewRunner";
import {mergeSettings} from "../../language-server/settings";
import {buildChatPrompt} from "../../language-server/tasks/chat";
import {explainPrompt} from "../../language-server/tasks/explain";
import {chatReplyLanguage, detectScriptLanguage, isNonLatinLanguage, languageInstruction, languageName, nativeTask,
    normalizeLanguageTag, patternLanguageRequest} from "../../language-server/tasks/language";
import {transcriptPrompt} from "../../language-server/engine/local/chatGeneration";
import {TRANSCRIPT_EXAMPLES, transcriptExample, transcriptStops} from "../../language-server/engine/engine";

const count = (s: string) => Math.ceil(s.length / 4);

describe("response language", () => {
    it("gemmaCode.responseLanguage reaches the server as a tag; auto, empty and malformed ones mean English or keep the last", () => {
        assert.equal(defaultServerSettings.responseLanguage, "");
        assert.equal(mergeSettings(defaultServerSettings, {responseLanguage: "hi"}).responseLanguage, "hi");
        assert.equal(mergeSettings(defaultServerSettings, {gemmaCode: {responseLanguage: "zh_CN"}}).responseLanguage, "zh-cn");
        const hi = mergeSettings(defaultServerSettings, {responseLanguage: "hi"});
        assert.equal(mergeSettings(hi, {responseLanguage: "auto"}).responseLanguage, "");
        assert.equal(mergeSettings(hi, {responseLanguage: "not a language!"}).responseLanguage, "hi");
        assert.equal(mergeSettings(hi, {responseLanguage: 42}).responseLanguage, "hi");
        assert.equal(normalizeLanguageTag(" pt-BR "), "pt-br");
    });

    it("names languages in English and in their own script", () => {
        assert.equal(languageName("hi"), "Hindi (हिन्दी)");
        assert.equal(languageName("bn"), "Bangla (বাংলা)");
        assert.equal(languageName("zh-cn"), "Simplified Chinese (简体中文)");
        assert.equal(languageName("es"), "Spanish (español)");
        assert.equal(languageName("ur"), "Urdu (اردو)");
    });

    it("tells a question's language from its script, ignoring code in it", () => {
        assert.equal(detectScriptLanguage("फ़ंक्शन average क्या करता है?"), "hi");
        assert.equal(detectScriptLanguage("এই ফাংশনটি কী করে?"), "bn");
        assert.equal(detectScriptLanguage("ما الذي تفعله هذه الدالة؟"), "ar");
        assert.equal(detectScriptLanguage("یہ فنکشن کیا کرتا ہے؟"), "ur");
        assert.equal(detectScriptLanguage("这个函数是做什么的？"), "zh-cn");
        assert.equal(detectScriptLanguage("この関数は何をしますか？"), "ja");
        assert.equal(detectScriptLanguage("What does this function do?"), undefined);
        assert.equal(detectScriptLanguage("¿Qué hace esta función?"), undefined, "Latin script: the setting decides");
        // Mostly English with a quoted Hindi string: English.
        assert.equal(detectScriptLanguage("Why does the label `\"नमस्ते दुनिया\"` render as boxes in my React component?"), undefined);
        assert.equal(detectScriptLanguage("```ts\nconst नाम = 1;\n```"), undefined);
        assert.equal(chatReplyLanguage("What does it do?", "bn"), "bn");
        assert.equal(chatReplyLanguage("यह क्या करता है?", "bn"), "hi", "asked in Hindi, answered in Hindi");
    });

    it("English adds nothing to a prompt; another language asks for prose in it, in its own script too", () => {
        assert.equal(languageInstruction(undefined, "your answer"), "");
        assert.equal(languageInstruction("en-gb", "your answer"), "");
        const hi = languageInstruction("hi", "your answer");
        assert.match(hi, /Write your answer in Hindi \(हिन्दी\)\. Keep code, identifiers, file paths and quoted compiler/);
        assert.match(hi, /कृपया उत्तर हिन्दी में दीजिए।$/);
        assert.match(languageInstruction("fr-ca", "x"), /French/);
        assert.ok(isNonLatinLanguage("hi") && isNonLatinLanguage("zh-cn") && isNonLatinLanguage("ar"));
        assert.ok(!isNonLatinLanguage("es") && !isNonLatinLanguage("en") && !isNonLatinLanguage(undefined));
    });

    it("chat: the instruction follows the question, last; English prompts are exactly as before", () => {
        const params = {messages: [{role: "user" as const, content: "What does add do?"}], context: [{label: "a.ts", text: "export const add = 1;"}]};
        const english = buildChatPrompt(params, count, 8192, 512);
        assert.deepEqual(buildChatPrompt(params, count, 8192, 512, ""), english);
        assert.deepEqual(buildChatPrompt(params, count, 8192, 512, "en"), english);
        assert.doesNotMatch(english.question, /Write your answer/);
        const bengali = buildChatPrompt(params, count, 8192, 512, "bn");
        assert.ok(bengali.question.startsWith(english.question));
        assert.match(bengali.question, /Write your answer in Bangla \(বাংলা\)[^]*অনুগ্রহ করে উত্তর বাংলায় দিন।$/);
        const askedInHindi = buildChatPrompt({messages: [{role: "user", content: "add क्या करता है?"}]}, count, 8192, 512, "");
        assert.match(askedInHindi.question, /Hindi/);
    });

    it("explain and review ask for their prose in the language; the review keeps its JSON keys", () => {
        const doc = TextDocument.create("file:///a.ts", "typescript", 1, "const a = 1;\nconst b = a +;\n");
        const range = {start: {line: 1, character: 0}, end: {line: 1, character: 10}};
        const english = explainPrompt(doc, {textDocument: {uri: doc.uri}, range});
        assert.equal(explainPrompt(doc, {textDocument: {uri: doc.uri}, range}, "en"), english);
        assert.match(explainPrompt(doc, {textDocument: {uri: doc.uri}, range}, "bn"), /```\n\nWrite the explanation in Bangla/);
        const lines = doc.getText().split("\n");
        const chunk = {start: 0, end: 2};
        const reviewEnglish = reviewPrompt("typescript", lines, chunk);
        assert.equal(reviewPrompt("typescript", lines, chunk, ""), reviewEnglish);
        const reviewHindi = reviewPrompt("typescript", lines, chunk, "hi");
        assert.match(reviewHindi, /Write each message in Hindi \(हिन्दी\)[^]*कृपया उत्तर हिन्दी में दीजिए।\n\n```typescript/);
        assert.ok(reviewHindi.endsWith(reviewEnglish.slice(reviewEnglish.indexOf("\n\n```"))), "the code is shown as before");
    });

    it("base models: the transcript's worked example is in the reply's language, labels and stops with it", () => {
        const history = [{type: "user" as const, text: "add क्या करता है?"}];
        const english = transcriptPrompt(history);
        assert.equal(transcriptPrompt(history, transcriptExample(undefined)), english);
        assert.equal(transcriptPrompt(history, transcriptExample("en-GB")), english);
        assert.ok(english.startsWith("Programming questions and their answers, in plain English"));
        assert.ok(english.endsWith("Question: add क्या करता है?\nAnswer:"));
        const hindi = transcriptPrompt(history, transcriptExample("hi"));
        assert.ok(hindi.startsWith(TRANSCRIPT_EXAMPLES.hi.heading));
        assert.match(hindi, /\nप्रश्न: Python में `len\(items\)` क्या लौटाता है\?\nउत्तर: /);
        assert.ok(hindi.endsWith("प्रश्न: add क्या करता है?\nउत्तर:"));
        assert.match(hindi, /उत्तर: [^\n]+\n\nप्रश्न: `total\.py` की पंक्ति 2[^]*\n1\| def total\(xs\):\n2\|     return sum\(xs\)\n```\nउत्तर: /,
            "a second example about numbered code lines, as Explain sends them");
        assert.doesNotMatch(english, /total\.py/, "English keeps its one example");
        assert.equal(transcriptExample("zh-CN"), TRANSCRIPT_EXAMPLES["zh-cn"]);
        assert.equal(transcriptExample("zh-tw"), TRANSCRIPT_EXAMPLES.en, "no Traditional Chinese example: English");
        assert.equal(transcriptExample("es-MX"), TRANSCRIPT_EXAMPLES.es);
        for (const [tag, example] of Object.entries(TRANSCRIPT_EXAMPLES)) {
            // Code stays code in every translation; the stops end an answer at the next label, English ones too.
            assert.match(example.question, /`len\(items\)`/, tag);
            assert.match(example.answer, /`len\(\[1, 2, 3\]\)`[^]*`3`/, tag);
            if (tag !== "en") assert.match(example.code?.question ?? "", /`total\.py`[^]*```python\n1\| def total/, tag);
            assert.ok(transcriptStops(example).includes(`\n${example.questionLabel}`) && transcriptStops(example).includes("\nQuestion:"), tag);
        }
    });

    it("base models: the task's own words in the reply's language, the request only in the language's words", () => {
        const params = {messages: [{role: "user" as const, content: "add क्या करता है?"}], context: [{label: "a.ts", text: "export const add = 1;"}]};
        const instructed = buildChatPrompt(params, count, 8192, 512, "");
        const base = buildChatPrompt(params, count, 8192, 512, "", true);
        assert.equal(base.language, "hi");
        assert.match(instructed.question, /^Context from the editor:[^]*Write your answer in Hindi/);
        assert.ok(base.question.startsWith("संपादक से संदर्भ:\n"));
        assert.ok(base.question.endsWith("add क्या करता है?\n\nकृपया उत्तर हिन्दी में दीजिए।"));
        assert.doesNotMatch(base.question, /Write your answer/);
        const english = {messages: [{role: "user" as const, content: "What does add do?"}]};
        assert.deepEqual(buildChatPrompt(english, count, 8192, 512, "", true), buildChatPrompt(english, count, 8192, 512, ""),
            "English prompts are the same for every model");
        const doc = TextDocument.create("file:///w/a.ts", "typescript", 1, "const a = 1;\nconst b = a +;\n");
        const range = {start: {line: 1, character: 0}, end: {line: 1, character: 10}};
        const diagnostic = {range, message: "Expression expected.", source: "ts", code: 1109};
        const bengali = explainPrompt(doc, {textDocument: {uri: doc.uri}, range, diagnostic}, "bn", true);
        assert.ok(bengali.startsWith("ts (1109) `a.ts`-এর লাইন 2-এ \"Expression expected.\" জানিয়েছে।"), bengali);
        assert.ok(bengali.endsWith("```\n\nঅনুগ্রহ করে উত্তর বাংলায় দিন।"));
        assert.equal(explainPrompt(doc, {textDocument: {uri: doc.uri}, range}, "en", true), explainPrompt(doc, {textDocument: {uri: doc.uri}, range}));
        // A language without written task sentences keeps the English task and the full request.
        assert.match(explainPrompt(doc, {textDocument: {uri: doc.uri}, range}, "fr", true), /^Explain what the code[^]*Réponds en français/);
        assert.equal(patternLanguageRequest("sw", "x"), languageInstruction("sw", "x"));
        for (const tag of ["hi", "bn", "ur", "ar", "es", "zh-cn"]) {
            const t = nativeTask(tag)!;
            assert.ok(t, tag);
            assert.match(t.explainDiagnostic("eslint", "MSG", t.where(3, 3), "f.js"), /eslint[^]*MSG|MSG[^]*eslint/, tag);
            assert.match(t.explainSelection(t.where(3, 5), "f.js"), /`f\.js`[^]*3-5|3-5[^]*`f\.js`/, tag);
        }
    });

    it("the remote engine counts a non-Latin letter as a token, not a third of one", () => {
        const hindi = "लूप की शर्त में < की जगह <= लिखा है";
        assert.ok(estimateTokens(hindi, 3.5) >= [...hindi].filter((c) => c.charCodeAt(0) > 0x7f).length);
        assert.equal(estimateTokens("const a = 1;", 4), Math.ceil(12 / 3.6));
        assert.ok(estimateTokens(hindi, 3.5) > Math.ceil(hindi.length / (3.5 * 0.9)) * 2);
    });

    it("CLI: review --language TAG (or $GEMMA_CODE_LANGUAGE), and a bad tag is refused", () => {
        const o = parseArgs(["review", "--language", "hi", "a.ts"]);
        assert.ok(typeof o === "object" && o.language === "hi");
        assert.match(String(parseArgs(["review", "--language", "no way", "a.ts"])), /--language needs a language tag/);
        process.env.GEMMA_CODE_LANGUAGE = "bn";
        try {
            const e = parseArgs(["review", "a.ts"]);
            assert.ok(typeof e === "object" && e.language === "bn");
        } finally {
            delete process.env.GEMMA_CODE_LANGUAGE;
        }
    });
});
