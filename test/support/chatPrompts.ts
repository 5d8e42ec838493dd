// A fixed set of chat questions and Explain requests (small code, the kind a user asks about), for the real-weights
// echo-rate test (test/real/chatEcho.test.ts) and the layout benchmark (bench/run-chat-layouts.ts).
import type {Diagnostic, Range} from "vscode-languageserver";

export type ChatLayoutPrompt =
    | {kind: "chat"; name: string; question: string; context: {label: string; text: string}[]}
    | {kind: "explain"; name: string; file: string; languageId: string; code: string; range: Range; diagnostic?: Diagnostic};

const AVERAGE_JS = "function average(numbers) {\n  let total = 0;\n  for (let i = 0; i <= numbers.length; i++) {\n"
    + "    total += numbers[i];\n  }\n  return total / numbers.length;\n}\n";
const FIB_PY = "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n";
const PARSE_TS = "export function parsePort(text: string): number {\n    const port = parseInt(text);\n"
    + "    if (port < 0 || port > 65535) throw new Error(\"bad port\");\n    return port;\n}\n";
const READ_PY = "def read_lines(path):\n    f = open(path)\n    lines = f.readlines()\n    return [l.strip() for l in lines]\n";

const line = (n: number, from: number, to: number): Range => ({start: {line: n, character: from}, end: {line: n, character: to}});

export const CHAT_LAYOUT_PROMPTS: ChatLayoutPrompt[] = [
    {kind: "chat", name: "chat: what does average do", question: "What does the function average do?", context: [{label: "average.js", text: AVERAGE_JS}]},
    {kind: "chat", name: "chat: reverse a string", question: "How do I reverse a string in Python?", context: []},
    {kind: "chat", name: "chat: fib complexity", question: "Is this fib function fast? Why or why not?", context: [{label: "fib.py", text: FIB_PY}]},
    {kind: "chat", name: "chat: map vs forEach", question: "What is the difference between map and forEach in JavaScript?", context: []},
    {kind: "chat", name: "chat: parsePort bug", question: "Can parsePort return NaN?", context: [{label: "port.ts", text: PARSE_TS}]},
    {kind: "chat", name: "chat: sort numbers", question: "Write a TypeScript function that sorts an array of numbers in descending order.", context: []},
    {kind: "explain", name: "explain: off-by-one diagnostic", file: "average.js", languageId: "javascript", code: AVERAGE_JS, range: line(2, 2, 42),
        diagnostic: {range: line(2, 2, 42), message: "Loop reads numbers[numbers.length], which is undefined", source: "eslint"}},
    {kind: "explain", name: "explain: fib selection", file: "fib.py", languageId: "python", code: FIB_PY, range: {start: {line: 0, character: 0}, end: {line: 3, character: 36}}},
    {kind: "explain", name: "explain: parseInt radix", file: "port.ts", languageId: "typescript", code: PARSE_TS, range: line(1, 4, 32),
        diagnostic: {range: line(1, 4, 32), message: "Missing radix parameter", source: "eslint", code: "radix"}},
    {kind: "explain", name: "explain: unclosed file", file: "read.py", languageId: "python", code: READ_PY, range: line(1, 4, 18),
        diagnostic: {range: line(1, 4, 18), message: "Using open without a context manager", source: "pylint", code: "R1732"}}
];
