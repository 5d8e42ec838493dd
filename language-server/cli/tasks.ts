// `gemma-code edit` and `gemma-code commit-message`: gemma/edit and gemma/commitMessage from the command line, on
// the same language server the editor uses. The result goes to stdout (the whole edited file, or --write writes it;
// the commit message alone, for `git commit -m "$(gemma-code commit-message)"`); --stream shows the text on stderr
// as it is generated.
import * as l10n from "../l10n";
import fs from "node:fs";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {ProgressType} from "vscode-jsonrpc";
import {DidOpenTextDocumentNotification} from "vscode-languageserver-protocol";
import {ServerProcess} from "../../common/serverProcess";
import {CommitMessageRequest, CommitMessageResult, EditRequest, EditResult} from "../../protocol/lsp";

export const TASKS_USAGE = `usage: gemma-code edit FILE --lines A-B --instruction TEXT [--write] [--stream] [engine options]
       gemma-code commit-message [--stream] [engine options]

  edit             rewrites lines A to B (1-based, inclusive) of FILE as the instruction says; prints the
                   edited file, or with --write saves it
  commit-message   writes a commit message for the staged changes of the repository in the current directory
  --stream         show the text on stderr while it is generated
  --max-tokens N   longest answer (default: gemmaCode.chat.maxTokens's default, 1024)
  engine options   --model FILE (default $GEMMA_CODE_MODEL), or --endpoint URL (default $GEMMA_CODE_ENDPOINT,
                   key from $GEMMA_CODE_API_KEY) with --remote-model NAME`;

export interface TaskOptions {
    task: "edit" | "commit-message";
    file?: string;
    lines?: {first: number; last: number};
    instruction?: string;
    write: boolean;
    stream: boolean;
    model?: string;
    endpoint?: string;
    remoteModel?: string;
    maxTokens?: number;
}

export function parseTaskArgs(argv: string[]): TaskOptions | string {
    const task = argv[0];
    if (task !== "edit" && task !== "commit-message") return TASKS_USAGE;
    const o: TaskOptions = {task, write: false, stream: false};
    for (let i = 1; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--lines") {
            const m = /^(\d+)(?:-(\d+))?$/.exec(argv[++i] ?? "");
            if (!m || Number(m[1]) < 1 || Number(m[2] ?? m[1]) < Number(m[1])) return `--lines needs A-B with 1 ≤ A ≤ B\n${TASKS_USAGE}`;
            o.lines = {first: Number(m[1]), last: Number(m[2] ?? m[1])};
        } else if (a === "--instruction") o.instruction = argv[++i];
        else if (a === "--write") o.write = true;
        else if (a === "--stream") o.stream = true;
        else if (a === "--max-tokens") {
            o.maxTokens = Number(argv[++i]);
            if (!(Number.isInteger(o.maxTokens) && o.maxTokens > 0)) return `--max-tokens needs a positive integer\n${TASKS_USAGE}`;
        }
        else if (a === "--model") o.model = argv[++i];
        else if (a === "--endpoint") o.endpoint = argv[++i];
        else if (a === "--remote-model") o.remoteModel = argv[++i];
        else if (a === "-h" || a === "--help") return TASKS_USAGE;
        else if (a.startsWith("-") || task !== "edit" || o.file) return `unexpected argument ${a}\n${TASKS_USAGE}`;
        else o.file = a;
    }
    if (task === "edit" && (!o.file || !o.lines || !o.instruction?.trim())) return `edit needs FILE, --lines and --instruction\n${TASKS_USAGE}`;
    return o;
}

/** The engine part of the server settings from the options and environment, or a message saying what is missing. */
export function cliEngineSettings(o: {model?: string; endpoint?: string; remoteModel?: string}): object | string {
    const endpoint = o.endpoint ?? (o.model ? undefined : process.env.GEMMA_CODE_ENDPOINT);
    const model = o.model ?? process.env.GEMMA_CODE_MODEL;
    if (!model && !endpoint) {
        return l10n.t("gemma-code: no model: pass --model FILE (or set GEMMA_CODE_MODEL to a GGUF file), or --endpoint URL of an inference server (or set GEMMA_CODE_ENDPOINT).");
    }
    return endpoint
        ? {engine: "remote", remote: {endpoint, model: o.remoteModel ?? "", apiKey: process.env.GEMMA_CODE_API_KEY ?? ""}}
        : {modelPath: path.resolve(model!)};
}

/** say: the CLI's own messages in the user's language (main.ts). */
export async function runTask(o: TaskOptions, serverPath: string, say: (message: string) => string = (m) => m): Promise<number> {
    const engine = cliEngineSettings(o);
    if (typeof engine === "string") {
        console.error(say(engine));
        return 2;
    }
    const file = o.file && path.resolve(o.file);
    if (file && !fs.existsSync(file)) {
        console.error(say(l10n.t("gemma-code: {0}: no such file", o.file!)));
        return 2;
    }
    // $GEMMA_CODE_LANGUAGE: the language of the server's messages, as for `gemma-code review`.
    const {server} = await ServerProcess.start({serverPath, clientName: "gemma-code-cli", locale: process.env.GEMMA_CODE_LANGUAGE, initializationOptions: {settings: {...engine, ...(o.maxTokens ? {chat: {maxTokens: o.maxTokens}} : {})}}});
    try {
        const state = await server.waitForState((s) => s.status === "ready" || s.status === "error" || s.status === "noModel");
        if (state.status !== "ready") {
            console.error(`gemma-code: ${state.message}`);
            return 2;
        }
        const partialResultToken = "cli";
        server.connection.onProgress(new ProgressType<string>(), partialResultToken, (delta) => {
            if (o.stream) process.stderr.write(delta);
        });
        if (o.task === "commit-message") {
            const result: CommitMessageResult = await server.connection.sendRequest(CommitMessageRequest.method,
                {rootUri: pathToFileURL(process.cwd()).href, partialResultToken});
            if (o.stream) process.stderr.write("\n");
            process.stdout.write(`${result.message}\n`);
            return 0;
        }
        const text = fs.readFileSync(file!, "utf8");
        const uri = pathToFileURL(file!).href;
        await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {textDocument: {uri, version: 1, languageId: languageOf(file!), text}});
        const lineCount = text.split("\n").length;
        const last = Math.min(o.lines!.last, lineCount);
        const range = {start: {line: o.lines!.first - 1, character: 0}, end: last < lineCount ? {line: last, character: 0}
            : {line: last - 1, character: text.split("\n")[last - 1].length}};
        const result: EditResult = await server.connection.sendRequest(EditRequest.method,
            {textDocument: {uri, version: 1}, range, instruction: o.instruction, partialResultToken});
        if (o.stream) process.stderr.write("\n");
        const offset = (p: {line: number; character: number}) => text.split("\n").slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
        const edited = text.slice(0, offset(result.range.start)) + result.text + text.slice(offset(result.range.end));
        if (o.write) {
            fs.writeFileSync(file!, edited);
            console.error(`gemma-code: wrote ${o.file}`);
        } else {
            process.stdout.write(edited);
        }
        return 0;
    } finally {
        await server.shutdown().catch(() => server.kill());
    }
}

function languageOf(file: string) {
    const ext = path.extname(file).toLowerCase();
    return ({".ts": "typescript", ".js": "javascript", ".py": "python", ".go": "go", ".rs": "rust", ".java": "java", ".c": "c",
        ".cpp": "cpp", ".rb": "ruby", ".sh": "shellscript"} as Record<string, string>)[ext] ?? "plaintext";
}
