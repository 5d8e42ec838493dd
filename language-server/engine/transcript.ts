// The plain-text transcript a model without a chat template gets for chat, explain and review, from both engines
// (local/chatGeneration.ts tokenizes it; remote/session.ts sends it to the server's completion endpoint), and the
// rule for what of a reply generated after it is shown while it streams.
//
// Models whose GGUF has no chat template are base (pretrained) models: the Gemma 3 270M on PyPI is one. Gemma's
// turn tokens are untrained in them, and they answer a Gemma turn by repeating it — the instructions first
// (bench/run-chat-layouts.ts: 10 of 10 replies did, whichever way the instructions were folded into the turn); a
// llama-server serving such a GGUF renders chats with a fallback template (ChatML) the model has never seen, with
// the same result. Such a model gets a plain-text transcript instead, which is what it has seen in pretraining: one
// worked question and answer, then each user turn as "Question: …" and each reply as "Answer: …". The system text
// (instructions addressed to an assistant, which a base model only continues) is left out; the stops end the answer
// where the model would start the next question.
import type {ChatTurn} from "./engine";

// A base model writes in the language of the pattern, not the one it is asked for: with the English example it
// answered Hindi questions and Bengali requests in English (0/6, 0/4). So in another language the example — the line,
// the question, the answer, the labels, and a second question about numbered code lines as Explain sends them — is
// written in the reply's language, code and identifiers left as they are (test/real/language.test.ts: 3/6 and 1/4;
// one example: 2/6 and 0/4; bench/run-language-layouts.ts compares layouts). English keeps its one example.
export interface TranscriptExample {
    /** What the transcript is: the first line. */
    heading: string;
    question: string;
    answer: string;
    /** The labels before each question and answer, with their colon. */
    questionLabel: string;
    answerLabel: string;
    /** A second worked example, about numbered code lines as Explain sends them (the reply's language only). */
    code?: {question: string; answer: string};
}

const ENGLISH_EXAMPLE: TranscriptExample = {
    heading: "Programming questions and their answers, in plain English, with code in Markdown fences.",
    question: "What does `len(items)` return in Python?",
    answer: "The number of elements in the list `items`, for example `len([1, 2, 3])` is `3`.",
    questionLabel: "Question:",
    answerLabel: "Answer:"
};

/** The same example in the languages the extension ships (README "Languages"), written by hand. */
export const TRANSCRIPT_EXAMPLES: Record<string, TranscriptExample> = {
    en: ENGLISH_EXAMPLE,
    hi: {
        heading: "प्रोग्रामिंग के प्रश्न और उनके उत्तर, सरल हिन्दी में, कोड Markdown ब्लॉक में।",
        question: "Python में `len(items)` क्या लौटाता है?",
        answer: "सूची `items` में कितने तत्व हैं, वह संख्या। उदाहरण के लिए `len([1, 2, 3])` का मान `3` है।",
        questionLabel: "प्रश्न:",
        answerLabel: "उत्तर:",
        code: {
            question: "`total.py` की पंक्ति 2 का कोड क्या करता है?\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "पंक्ति 2 सूची `xs` की सभी संख्याओं का योग लौटाती है। उदाहरण के लिए `total([1, 2])` का मान `3` है।"
        }
    },
    bn: {
        heading: "প্রোগ্রামিংয়ের প্রশ্ন ও তাদের উত্তর, সহজ বাংলায়, কোড Markdown ব্লকে।",
        question: "Python-এ `len(items)` কী ফেরত দেয়?",
        answer: "তালিকা `items`-এ কতগুলো উপাদান আছে, সেই সংখ্যা। যেমন `len([1, 2, 3])`-এর মান `3`।",
        questionLabel: "প্রশ্ন:",
        answerLabel: "উত্তর:",
        code: {
            question: "`total.py`-এর লাইন 2-এর কোড কী করে?\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "লাইন 2 তালিকা `xs`-এর সব সংখ্যার যোগফল ফেরত দেয়। যেমন `total([1, 2])`-এর মান `3`।"
        }
    },
    ur: {
        heading: "پروگرامنگ کے سوالات اور ان کے جوابات، آسان اردو میں، کوڈ Markdown بلاک میں۔",
        question: "Python میں `len(items)` کیا واپس کرتا ہے؟",
        answer: "فہرست `items` میں عناصر کی تعداد۔ مثال کے طور پر `len([1, 2, 3])` کا نتیجہ `3` ہے۔",
        questionLabel: "سوال:",
        answerLabel: "جواب:",
        code: {
            question: "`total.py` کی سطر 2 کا کوڈ کیا کرتا ہے؟\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "سطر 2 فہرست `xs` کے تمام اعداد کا مجموعہ واپس کرتی ہے۔ مثال کے طور پر `total([1, 2])` کا نتیجہ `3` ہے۔"
        }
    },
    ar: {
        heading: "أسئلة برمجية وإجاباتها، بلغة عربية بسيطة، مع الشيفرة في كتل Markdown.",
        question: "ماذا تُرجع `len(items)` في Python؟",
        answer: "عدد العناصر في القائمة `items`، فمثلًا `len([1, 2, 3])` تساوي `3`.",
        questionLabel: "سؤال:",
        answerLabel: "جواب:",
        code: {
            question: "ماذا تفعل الشيفرة في السطر 2 من `total.py`؟\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "يُرجع السطر 2 مجموع كل الأعداد في القائمة `xs`، فمثلًا `total([1, 2])` تساوي `3`."
        }
    },
    es: {
        heading: "Preguntas de programación y sus respuestas, en español sencillo, con el código en bloques Markdown.",
        question: "¿Qué devuelve `len(items)` en Python?",
        answer: "El número de elementos de la lista `items`; por ejemplo, `len([1, 2, 3])` es `3`.",
        questionLabel: "Pregunta:",
        answerLabel: "Respuesta:",
        code: {
            question: "¿Qué hace el código de la línea 2 de `total.py`?\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "La línea 2 devuelve la suma de todos los números de la lista `xs`; por ejemplo, `total([1, 2])` es `3`."
        }
    },
    "zh-cn": {
        heading: "编程问题及其解答，使用简体中文，代码放在 Markdown 代码块中。",
        question: "Python 中 `len(items)` 返回什么？",
        answer: "列表 `items` 中元素的个数，例如 `len([1, 2, 3])` 的结果是 `3`。",
        questionLabel: "问题：",
        answerLabel: "回答：",
        code: {
            question: "`total.py` 第 2 行的代码做什么？\n\n```python\n1| def total(xs):\n2|     return sum(xs)\n```",
            answer: "第 2 行返回列表 `xs` 中所有数字的和，例如 `total([1, 2])` 的结果是 `3`。"
        }
    }
};

/** The example for a reply language; English for none, English, or a language without one. */
export function transcriptExample(language: string | undefined): TranscriptExample {
    const tag = language?.toLowerCase();
    if (!tag) return ENGLISH_EXAMPLE;
    return TRANSCRIPT_EXAMPLES[tag] ?? (tag.startsWith("zh") && !/-(tw|hk|hant)/.test(tag) ? TRANSCRIPT_EXAMPLES["zh-cn"]
        : TRANSCRIPT_EXAMPLES[tag.split("-")[0]]) ?? ENGLISH_EXAMPLE;
}

/** Where an answer ends: the next label (the example's, or English's, which a model may switch to), or a turn token. */
export function transcriptStops(example: TranscriptExample = ENGLISH_EXAMPLE): string[] {
    const labels = new Set([example.questionLabel, example.answerLabel, ENGLISH_EXAMPLE.questionLabel, ENGLISH_EXAMPLE.answerLabel]);
    return [...[...labels].map((l) => `\n${l}`), "<end_of_turn>", "<start_of_turn>"];
}

/** The English transcript's first lines (what the prompt starts with before the first turn). */
export const TRANSCRIPT_PREAMBLE = preamble(ENGLISH_EXAMPLE);
export const TRANSCRIPT_STOPS = transcriptStops(ENGLISH_EXAMPLE);

function preamble(example: TranscriptExample): string {
    let text = `${example.heading}\n\n`;
    for (const qa of [example, ...(example.code ? [example.code] : [])]) {
        text += `${example.questionLabel} ${qa.question}\n${example.answerLabel} ${qa.answer}\n\n`;
    }
    return text;
}

export function transcriptPrompt(history: ChatTurn[], example: TranscriptExample = ENGLISH_EXAMPLE): string {
    let text = preamble(example);
    for (const turn of history) {
        if (turn.role === "user") text += `${example.questionLabel} ${turn.content.trim()}\n${example.answerLabel}`;
        else if (turn.role === "assistant" && turn.content.trim()) text += ` ${turn.content.trim()}\n\n`;
    }
    return text;
}

/**
 * What may be shown of a reply generated so far: cut at the first stop and, until the reply is final, without a
 * tail that may be the start of one; after a transcript (`trim`) also without the space after "Answer:" and (until
 * the end) trailing whitespace. What is shown while streaming is therefore always a prefix of the final text.
 */
export function visibleReply(text: string, stops: readonly string[], final: boolean, trim: boolean): string {
    let end = text.length;
    for (const stop of stops) {
        const at = text.indexOf(stop);
        if (at >= 0) end = Math.min(end, at);
    }
    if (!final) {
        for (const stop of stops) {
            for (let k = Math.min(stop.length - 1, end); k > 0; k--) {
                if (text.endsWith(stop.slice(0, k), end)) {
                    end -= k;
                    break;
                }
            }
        }
    }
    const shown = text.slice(0, end);
    return trim ? shown.replace(/^\s+/, "").trimEnd() : shown;
}

/** Streams a reply's visible text as deltas: call with the whole text so far; returns what is shown. */
export function visibleDeltas(stops: readonly string[], trim: boolean, onDelta?: (text: string) => void) {
    let sent = 0;
    return (text: string, final: boolean) => {
        const shown = visibleReply(text, stops, final, trim);
        // The shown text only ever grows: a held-back tail is either sent later or was a stop.
        if (shown.length > sent && onDelta) onDelta(shown.slice(sent));
        sent = Math.max(sent, shown.length);
        return shown;
    };
}
