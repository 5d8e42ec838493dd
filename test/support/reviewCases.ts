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
}

const join = (lines: string[]) => lines.join("\n") + "\n";

export const REVIEW_CASES: ReviewCase[] = [
    {name: "js off-by-one loop", file: "average.js", languageId: "javascript", bugLine: 3, text: join([
        "// Returns the average of a list of numbers.",
        "function average(numbers) {",
        "  let total = 0;",
        "  for (let i = 0; i <= numbers.length; i++) {",
        "    total += numbers[i];",
        "  }",
        "",
        "  return total / numbers.length;",
        "}"])},
    {name: "py index past the end", file: "last.py", languageId: "python", bugLine: 2, text: join([
        "def last(items):",
        "    \"\"\"Returns the last item of a non-empty list.\"\"\"",
        "    return items[len(items)]"])},
    {name: "ts || instead of &&", file: "age.ts", languageId: "typescript", bugLine: 2, text: join([
        "// Working age: from 18 to 65.",
        "export function isWorkingAge(age: number): boolean {",
        "    return age >= 18 || age <= 65;",
        "}"])},
    {name: "js assignment in condition", file: "empty.js", languageId: "javascript", bugLine: 1, text: join([
        "function isEmpty(list) {",
        "  if (list.length = 0) {",
        "    return true;",
        "  }",
        "  return false;",
        "}"])},
    {name: "py mutable default", file: "collect.py", languageId: "python", bugLine: 0, text: join([
        "def collect(item, items=[]):",
        "    items.append(item)",
        "    return items"])},
    {name: "ts missing await", file: "load.ts", languageId: "typescript", bugLine: 2, text: join([
        "export async function loadName(url: string): Promise<string> {",
        "    const response = await fetch(url);",
        "    const body = response.json();",
        "    return body.name;",
        "}"])},
    {name: "js clean sum", file: "sum.js", languageId: "javascript", text: join([
        "// Returns the sum of a list of numbers.",
        "function sum(numbers) {",
        "  let total = 0;",
        "  for (const n of numbers) {",
        "    total += n;",
        "  }",
        "  return total;",
        "}"])},
    {name: "py clean clamp", file: "clamp.py", languageId: "python", text: join([
        "def clamp(value, low, high):",
        "    \"\"\"Limits value to the range [low, high].\"\"\"",
        "    return max(low, min(value, high))"])}
];

/** Whether a comment's lines (0-based, inclusive) point at the case's bug. */
export const hitsBug = (c: ReviewCase, start: number, end: number) => c.bugLine !== undefined && start <= c.bugLine && c.bugLine <= end;
