// The language Gemma writes its prose in (chat, explanations, review comments): gemmaCode.responseLanguage, a
// BCP 47 tag the client resolves ("auto" = the editor's display language), or, in chat, the language the user
// wrote the question in. Code, identifiers, file paths and quoted compiler messages are never translated.
// English (or no language) adds nothing to a prompt, so English prompts stay exactly as they were.

/** A tag as settings may carry it ("hi", "zh-cn", "pt-BR"); anything else is no language. */
export function normalizeLanguageTag(value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    const tag = value.trim().toLowerCase().replace(/_/g, "-");
    return /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(tag) ? tag : undefined;
}

export function isEnglish(tag: string | undefined): boolean {
    return !tag || tag === "en" || tag.startsWith("en-");
}

/** "Hindi (हिन्दी)", "Simplified Chinese (简体中文)", "Spanish (español)": the English name, and the language's own. */
export function languageName(tag: string): string {
    const canonical = tag === "zh-cn" ? "zh-Hans" : tag === "zh-tw" ? "zh-Hant" : tag;
    const name = (locale: string) => {
        try {
            return new Intl.DisplayNames([locale], {type: "language"}).of(canonical);
        } catch {
            return undefined;
        }
    };
    const english = name("en") ?? tag;
    const own = name(canonical);
    return own && own !== english ? `${english} (${own})` : english;
}

/** Scripts that name their language well enough to answer in it (Latin script says nothing: English? Spanish?). */
const SCRIPTS: {tag: string; re: RegExp}[] = [
    {tag: "hi", re: /\p{Script=Devanagari}/u},
    {tag: "bn", re: /\p{Script=Bengali}/u},
    {tag: "ta", re: /\p{Script=Tamil}/u},
    {tag: "te", re: /\p{Script=Telugu}/u},
    {tag: "gu", re: /\p{Script=Gujarati}/u},
    {tag: "pa", re: /\p{Script=Gurmukhi}/u},
    {tag: "kn", re: /\p{Script=Kannada}/u},
    {tag: "ml", re: /\p{Script=Malayalam}/u},
    {tag: "th", re: /\p{Script=Thai}/u},
    {tag: "ko", re: /\p{Script=Hangul}/u},
    {tag: "ja", re: /[\p{Script=Hiragana}\p{Script=Katakana}]/u},
    {tag: "zh-cn", re: /\p{Script=Han}/u},
    {tag: "ru", re: /\p{Script=Cyrillic}/u},
    {tag: "el", re: /\p{Script=Greek}/u},
    {tag: "he", re: /\p{Script=Hebrew}/u},
    {tag: "ar", re: /\p{Script=Arabic}/u}
];
/** Letters only Urdu (and Persian) use among Arabic-script languages. */
const URDU = /[\u0679\u0688\u0691\u06ba\u06be\u06c1\u06d2]/u;

/**
 * The language of a chat message from its letters outside code (fenced blocks and `inline code` are left out):
 * the script most of them are in, when that is not Latin. Undefined for Latin script, code only, or a mix.
 */
export function detectScriptLanguage(text: string): string | undefined {
    const prose = text.replace(/```[\s\S]*?(```|$)/g, " ").replace(/`[^`\n]*`/g, " ");
    const letters = [...prose].filter((c) => /\p{L}/u.test(c));
    if (letters.length < 2) return undefined;
    const counts = new Map<string, number>();
    for (const c of letters) {
        const s = SCRIPTS.find((x) => x.re.test(c));
        if (s) counts.set(s.tag, (counts.get(s.tag) ?? 0) + 1);
    }
    // Japanese text is mostly Han with some kana: any kana makes it Japanese.
    if (counts.has("ja")) {
        counts.set("ja", counts.get("ja")! + (counts.get("zh-cn") ?? 0));
        counts.delete("zh-cn");
    }
    const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    // Most of the prose, not a quoted word: an English question about a Hindi string is English.
    if (!best || best[1] < letters.length * 0.4) return undefined;
    if (best[0] === "ar" && URDU.test(prose)) return "ur";
    return best[0];
}

/**
 * "Answer in <language>." in the language itself. Measured with Gemma 3 270M: after an English instruction alone it
 * often answered in English (or repeated the instructions); the request in the language's own script, last in the
 * prompt, starts the answer in that script.
 */
const NATIVE_REQUEST: Record<string, string> = {
    hi: "कृपया उत्तर हिन्दी में दीजिए।",
    bn: "অনুগ্রহ করে উত্তর বাংলায় দিন।",
    ur: "براہِ کرم جواب اردو میں دیں۔",
    ar: "من فضلك أجب باللغة العربية.",
    es: "Por favor, responde en español.",
    "zh-cn": "请用简体中文回答。",
    "zh-tw": "請用繁體中文回答。",
    ja: "日本語で答えてください。",
    ko: "한국어로 답해 주세요.",
    fr: "Réponds en français, s'il te plaît.",
    de: "Bitte antworte auf Deutsch.",
    pt: "Por favor, responda em português.",
    ru: "Пожалуйста, ответь на русском языке.",
    ta: "தயவுசெய்து தமிழில் பதிலளிக்கவும்.",
    te: "దయచేసి తెలుగులో సమాధానం ఇవ్వండి.",
    mr: "कृपया मराठीत उत्तर द्या."
};

function nativeRequest(tag: string): string | undefined {
    return NATIVE_REQUEST[tag] ?? NATIVE_REQUEST[tag.split("-")[0]];
}

/** The sentences that ask for prose in `tag`, or "" for English. `what` names the prose ("your answer"). */
export function languageInstruction(tag: string | undefined, what: string): string {
    if (isEnglish(tag)) return "";
    const native = nativeRequest(tag!);
    return `Write ${what} in ${languageName(tag!)}. Keep code, identifiers, file paths and quoted compiler or tool `
        + `messages exactly as they are.${native ? ` ${native}` : ""}`;
}

/** Chat: the language of the question when its script says it, else the setting. */
export function chatReplyLanguage(question: string, setting: string | undefined): string | undefined {
    return detectScriptLanguage(question) ?? setting;
}

/** Scripts whose text takes several times the tokens of the same English, for reply budgets. */
export function isNonLatinLanguage(tag: string | undefined): boolean {
    if (isEnglish(tag)) return false;
    const base = tag!.split("-")[0];
    return !["es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "nb", "fi", "pl", "cs", "sk", "ro", "hu", "tr", "id", "ms",
        "vi", "ca", "eu", "gl", "hr", "sl", "et", "lv", "lt", "sq", "af", "sw", "tl", "fil"].includes(base);
}

/**
 * The task's own sentences in the reply's language, for a model that follows the pattern of its prompt rather than
 * its instructions (a base model: no chat template, so the engine's plain transcript). Measured with Gemma 3 270M
 * (bench/run-language-layouts.ts): with the task in English it answered in English whatever it was asked for.
 * Code, file names, tool names and the tool's quoted message stay as they are.
 */
export interface NativeTask {
    /** "Context from the editor:" */
    context: string;
    /** "line 3", "lines 3-5" */
    where(first: number, last: number): string;
    /** When a diagnostic has no source: "A tool". */
    tool: string;
    explainDiagnostic(tool: string, message: string, where: string, file: string): string;
    explainSelection(where: string, file: string): string;
}

const NATIVE_TASKS: Record<string, NativeTask> = {
    hi: {
        context: "संपादक से संदर्भ:",
        where: (a, b) => (a === b ? `पंक्ति ${a}` : `पंक्तियाँ ${a}-${b}`),
        tool: "एक टूल",
        explainDiagnostic: (tool, message, where, file) => `${tool} ने \`${file}\` की ${where} पर "${message}" बताया है। `
            + "समझाइए कि यहाँ इसका क्या अर्थ है और ऐसा क्यों होता है, फिर सुधार कोड ब्लॉक में दीजिए।",
        explainSelection: (where, file) => `समझाइए कि \`${file}\` की ${where} का कोड क्या करता है, उसमें कोई गलती हो तो बताइए, `
            + "और ज़रूरत हो तो सुधार कोड ब्लॉक में दीजिए।"
    },
    bn: {
        context: "এডিটর থেকে প্রসঙ্গ:",
        where: (a, b) => (a === b ? `লাইন ${a}` : `লাইন ${a}-${b}`),
        tool: "একটি টুল",
        explainDiagnostic: (tool, message, where, file) => `${tool} \`${file}\`-এর ${where}-এ "${message}" জানিয়েছে। `
            + "এখানে এর অর্থ কী এবং কেন এটি ঘটে তা ব্যাখ্যা করুন, তারপর একটি কোড ব্লকে সমাধান দিন।",
        explainSelection: (where, file) => `\`${file}\`-এর ${where}-এর কোড কী করে তা ব্যাখ্যা করুন, কোনো ভুল থাকলে দেখান, `
            + "এবং প্রয়োজন হলে একটি কোড ব্লকে সমাধান দিন।"
    },
    ur: {
        context: "ایڈیٹر سے سیاق:",
        where: (a, b) => (a === b ? `سطر ${a}` : `سطریں ${a}-${b}`),
        tool: "ایک ٹول",
        explainDiagnostic: (tool, message, where, file) => `${tool} نے \`${file}\` کی ${where} پر "${message}" بتایا ہے۔ `
            + "وضاحت کریں کہ یہاں اس کا کیا مطلب ہے اور ایسا کیوں ہوتا ہے، پھر کوڈ بلاک میں اس کا حل دیں۔",
        explainSelection: (where, file) => `وضاحت کریں کہ \`${file}\` کی ${where} کا کوڈ کیا کرتا ہے، اس میں کوئی غلطی ہو تو بتائیں، `
            + "اور ضرورت ہو تو کوڈ بلاک میں حل دیں۔"
    },
    ar: {
        context: "سياق من المحرر:",
        where: (a, b) => (a === b ? `السطر ${a}` : `الأسطر ${a}-${b}`),
        tool: "أداة",
        explainDiagnostic: (tool, message, where, file) => `تُبلغ ${tool} عن "${message}" في ${where} من \`${file}\`. `
            + "اشرح ما يعنيه ذلك هنا ولماذا يحدث، ثم اقترح إصلاحًا في كتلة شيفرة.",
        explainSelection: (where, file) => `اشرح ما تفعله الشيفرة في ${where} من \`${file}\`، وأشر إلى أي خطأ فيها، `
            + "واقترح إصلاحًا في كتلة شيفرة إن لزم."
    },
    es: {
        context: "Contexto del editor:",
        where: (a, b) => (a === b ? `la línea ${a}` : `las líneas ${a}-${b}`),
        tool: "Una herramienta",
        explainDiagnostic: (tool, message, where, file) => `${tool} informa "${message}" en ${where} de \`${file}\`. `
            + "Explica qué significa aquí y por qué ocurre, y luego propón una corrección en un bloque de código.",
        explainSelection: (where, file) => `Explica qué hace el código de ${where} de \`${file}\`, señala cualquier error `
            + "y propón una corrección en un bloque de código si hace falta."
    },
    "zh-cn": {
        context: "编辑器中的上下文：",
        where: (a, b) => (a === b ? `第 ${a} 行` : `第 ${a}-${b} 行`),
        tool: "工具",
        explainDiagnostic: (tool, message, where, file) => `${tool}在 \`${file}\` 的${where}报告 "${message}"。`
            + "请解释它在这里的含义以及发生的原因，然后用代码块给出修复。",
        explainSelection: (where, file) => `请解释 \`${file}\` ${where}的代码做了什么，指出其中的错误，如有需要，用代码块给出修复。`
    }
};

/** The task's sentences in `tag`, where they are written (undefined for English and for other languages). */
export function nativeTask(tag: string | undefined): NativeTask | undefined {
    if (isEnglish(tag)) return undefined;
    const t = tag!.toLowerCase();
    return NATIVE_TASKS[t] ?? (t.startsWith("zh") && !/-(tw|hk|hant)/.test(t) ? NATIVE_TASKS["zh-cn"] : NATIVE_TASKS[t.split("-")[0]]);
}

/**
 * The request for prose in `tag` for a model that follows its prompt's pattern (a base model): only the request in the
 * language's own words, which the bench measured starting the answer in that script, where the English sentence
 * before it pulled the answer to English; the full languageInstruction for a language without one.
 */
export function patternLanguageRequest(tag: string | undefined, what: string): string {
    if (isEnglish(tag)) return "";
    return nativeRequest(tag!) ?? languageInstruction(tag, what);
}
