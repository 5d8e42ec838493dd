// A fixed set of small files with one known bug each (and clean files with none), for the real-weights review
// test (test/real/tasks.test.ts) and the review-prompt benchmark (bench/run-review-prompts.ts). `bugLine` is the
// 0-based line a reviewer should point at.
export interface ReviewCase {
    name: string;
    file: string;
    languageId: string;
    text: string;
    /** 0-based line of the bug; undefined for a clean file. */
    bugLine?: number;
    /** What a message that names the bug says (a rough check that a comment on the right line is also true). */
    names?: RegExp;
}

const join = (lines: string[]) => lines.join("\n") + "\n";

export const REVIEW_CASES: ReviewCase[] = [
    {name: "js off-by-one loop", file: "average.js", languageId: "javascript", bugLine: 3, names: /<=|less than or equal|off.by.one|out of (bounds|range)|past the end|undefined|beyond|numbers\.length\b.*(index|element)|last index/i, text: join([
        "// Returns the average of a list of numbers.",
        "function average(numbers) {",
        "  let total = 0;",
        "  for (let i = 0; i <= numbers.length; i++) {",
        "    total += numbers[i];",
        "  }",
        "",
        "  return total / numbers.length;",
        "}"])},
    {name: "py index past the end", file: "last.py", languageId: "python", bugLine: 2, names: /-\s*1|\[-1\]|out of (range|bounds)|IndexError|past the end|beyond|no (item|element) at/i, text: join([
        "def last(items):",
        "    \"\"\"Returns the last item of a non-empty list.\"\"\"",
        "    return items[len(items)]"])},
    {name: "ts || instead of &&", file: "age.ts", languageId: "typescript", bugLine: 2, names: /&&|always (true|returns true)|(every|any) (age|number)|\band\b instead/i, text: join([
        "// Working age: from 18 to 65.",
        "export function isWorkingAge(age: number): boolean {",
        "    return age >= 18 || age <= 65;",
        "}"])},
    {name: "js assignment in condition", file: "empty.js", languageId: "javascript", bugLine: 1, names: /===?|assign|comparison|compare/i, text: join([
        "function isEmpty(list) {",
        "  if (list.length = 0) {",
        "    return true;",
        "  }",
        "  return false;",
        "}"])},
    {name: "py mutable default", file: "collect.py", languageId: "python", bugLine: 0, names: /mutable|default|shared|None|every call|between calls/i, text: join([
        "def collect(item, items=[]):",
        "    items.append(item)",
        "    return items"])},
    {name: "ts missing await", file: "load.ts", languageId: "typescript", bugLine: 2, names: /await|promise/i, text: join([
        "export async function loadName(url: string): Promise<string> {",
        "    const response = await fetch(url);",
        "    const body = response.json();",
        "    return body.name;",
        "}"])},
    {name: "js wrong variable returned", file: "max.js", languageId: "javascript", bugLine: 7, names: /best|largest|max|first|numbers\[0\]/i, text: join([
        "// Returns the largest number of a non-empty list.",
        "function max(numbers) {",
        "  let best = numbers[0];",
        "  for (const n of numbers) {",
        "    if (n > best) best = n;",
        "  }",
        "",
        "  return numbers[0];",
        "}"])},
    {name: "py string compared with is", file: "greeting.py", languageId: "python", bugLine: 1, names: /==|\bis\b|identity|equal/i, text: join([
        "def greeting(language):",
        "    if language is \"en\":",
        "        return \"Hello\"",
        "    return \"Hallo\""])},
    {name: "ts subtraction instead of addition", file: "total.ts", languageId: "typescript", bugLine: 3, names: /\+|add|subtract|minus|sum/i, text: join([
        "// Total price of the items in a cart.",
        "export function total(prices: number[]): number {",
        "    let sum = 0;",
        "    for (const p of prices) sum -= p;",
        "    return sum;",
        "}"])},
    {name: "py wrong loop range", file: "squares.py", languageId: "python", bugLine: 3, names: /range|n \+ 1|include|last|off.by.one|miss/i, text: join([
        "def squares(n):",
        "    \"\"\"Returns the squares of 1 to n, inclusive.\"\"\"",
        "    result = []",
        "    for i in range(1, n):",
        "        result.append(i * i)",
        "    return result"])},
    {name: "js clean sum", file: "sum.js", languageId: "javascript", text: join([
        "// Returns the sum of a list of numbers.",
        "function sum(numbers) {",
        "  let total = 0;",
        "  for (const n of numbers) {",
        "    total += n;",
        "  }",
        "  return total;",
        "}"])},
    {name: "ts clean capitalize", file: "capitalize.ts", languageId: "typescript", text: join([
        "// Upper-cases the first letter of a word.",
        "export function capitalize(word: string): string {",
        "    if (word.length === 0) return word;",
        "    return word[0].toUpperCase() + word.slice(1);",
        "}"])},
    {name: "py clean count words", file: "words.py", languageId: "python", text: join([
        "def count_words(text):",
        "    \"\"\"Counts the words of text, separated by whitespace.\"\"\"",
        "    return len(text.split())"])},
    {name: "py clean clamp", file: "clamp.py", languageId: "python", text: join([
        "def clamp(value, low, high):",
        "    \"\"\"Limits value to the range [low, high].\"\"\"",
        "    return max(low, min(value, high))"])}
];

/** Whether a comment's lines (0-based, inclusive) point at the case's bug. */
export const hitsBug = (c: ReviewCase, start: number, end: number) => c.bugLine !== undefined && start <= c.bugLine && c.bugLine <= end;
