// `gemma-code review <files…>` / `gemma-code review --staged`: a headless review on the same language server
// the editor uses, for pre-commit hooks and CI. Prints `file:line:col: severity: message`.
// Exit codes: 0 no error-severity comment, 1 at least one, 2 the review could not run.
import fs from "node:fs";
import path from "node:path";
import {ChangedFile, gitChanges, stagedText} from "../../common/gitDiff";
import {DidOpenTextDocumentNotification} from "vscode-languageserver-protocol";
import {ServerProcess} from "../../common/serverProcess";
import {ReviewRequest, ReviewResult} from "../../protocol/lsp";
import * as l10n from "../l10n";
import {normalizeLanguageTag} from "../tasks/language";
import {cliEngineSettings, parseTaskArgs, runTask} from "./tasks";

const USAGE = `usage: gemma-code review [--staged | --changes] [--model FILE | --endpoint URL] [--max-lines N] [--language TAG] [FILE…]

  FILE…                files to review whole
  --staged             review the staged changes of the git repository in the current directory
  --changes            review the unstaged (working tree) changes
  --model FILE         GGUF model file (default: $GEMMA_CODE_MODEL)
  --endpoint URL       use an OpenAI-compatible inference server (llama-server, vLLM, Ollama) instead of a
                       model file (default: $GEMMA_CODE_ENDPOINT); its API key comes from $GEMMA_CODE_API_KEY
  --remote-model NAME  the model name to ask that server for (default: its first model)
  --max-lines N        longest stretch of one file to review (default 3000)
  --language TAG       write the messages in this language: hi, bn, ur, ar, es, zh-cn … (default: English;
                       $GEMMA_CODE_LANGUAGE); code, identifiers and paths stay as they are

Prints file:line:col: severity: message. Exit code 1 when an error-severity comment is found, 2 on failure.
Also: gemma-code edit, gemma-code commit-message (gemma-code edit --help).`;

const LANGUAGES: Record<string, string> = {
    ".ts": "typescript", ".tsx": "typescriptreact", ".js": "javascript", ".jsx": "javascriptreact", ".mjs": "javascript",
    ".cjs": "javascript", ".py": "python", ".go": "go", ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp",
    ".cpp": "cpp", ".hpp": "cpp", ".cs": "csharp", ".rb": "ruby", ".php": "php", ".sh": "shellscript", ".kt": "kotlin",
    ".swift": "swift", ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".md": "markdown", ".sql": "sql", ".lua": "lua"
};

interface Options {
    files: string[];
    diff?: "staged" | "changes";
    model?: string;
    endpoint?: string;
    remoteModel?: string;
    maxLines?: number;
    language?: string;
}

export function parseArgs(argv: string[]): Options | string {
    if (argv[0] !== "review") return USAGE;
    const o: Options = {files: []};
    for (let i = 1; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--staged") o.diff = "staged";
        else if (a === "--changes") o.diff = "changes";
        else if (a === "--model") o.model = argv[++i];
        else if (a === "--endpoint") o.endpoint = argv[++i];
        else if (a === "--remote-model") o.remoteModel = argv[++i];
        else if (a === "--max-lines") o.maxLines = Number(argv[++i]);
        else if (a === "--language") o.language = argv[++i];
        else if (a === "-h" || a === "--help") return USAGE;
        else if (a.startsWith("-")) return `unknown option ${a}\n${USAGE}`;
        else o.files.push(a);
    }
    if (!o.diff && o.files.length === 0) return `nothing to review\n${USAGE}`;
    if (o.maxLines !== undefined && !(Number.isInteger(o.maxLines) && o.maxLines > 0)) return `--max-lines needs a positive integer\n${USAGE}`;
    if (o.language === undefined && process.env.GEMMA_CODE_LANGUAGE) o.language = process.env.GEMMA_CODE_LANGUAGE;
    if (o.language !== undefined && !normalizeLanguageTag(o.language)) return `--language needs a language tag such as hi or zh-cn\n${USAGE}`;
    return o;
}

/** The CLI's own messages in the language of --language / $GEMMA_CODE_LANGUAGE, once the arguments are read. */
let say = (message: string) => message;

async function main(argv: string[]): Promise<number> {
    if (argv[0] === "edit" || argv[0] === "commit-message") {
        const task = parseTaskArgs(argv);
        if (typeof task === "string") {
            console.error(task);
            return 2;
        }
        say = (message) => l10n.translatorFor(process.env.GEMMA_CODE_LANGUAGE).text(message);
        return runTask(task, path.join(__dirname, "server.js"), say);
    }
    const options = parseArgs(argv);
    if (typeof options === "string") {
        console.error(options);
        return 2;
    }
    say = (message) => l10n.translatorFor(options.language).text(message);
    const engine = cliEngineSettings(options);
    if (typeof engine === "string") {
        console.error(say(engine));
        return 2;
    }

    let targets: ChangedFile[];
    let root = process.cwd();
    if (options.diff) {
        const changes = await gitChanges(process.cwd(), options.diff === "staged");
        root = changes.root;
        targets = changes.files;
    } else {
        targets = options.files.map((f) => ({path: f, ranges: []}));
    }
    // Staged changes are reviewed in the staged text (their line numbers count it), even where the working tree
    // differs or no longer has the file.
    const staged = options.diff === "staged";
    for (const t of targets) {
        if (!staged && !fs.existsSync(path.resolve(root, t.path))) {
            console.error(say(l10n.t("gemma-code: {0}: no such file", t.path)));
            return 2;
        }
    }
    if (targets.length === 0) {
        console.error(say(l10n.t("gemma-code: no changes to review")));
        return 0;
    }

    const {server} = await ServerProcess.start({
        // The language of the answers is also that of the server's own messages (model errors, notes).
        serverPath: path.join(__dirname, "server.js"), clientName: "gemma-code-cli", locale: options.language,
        initializationOptions: {settings: {...engine, ...(options.maxLines ? {review: {maxLines: options.maxLines}} : {}),
            ...(options.language ? {responseLanguage: options.language} : {})}}
    });
    try {
        const state = await server.waitForState((s) => s.status === "ready" || s.status === "error" || s.status === "noModel");
        if (state.status !== "ready") {
            console.error(`gemma-code: ${state.message}`);
            return 2;
        }
        let errors = 0;
        for (const t of targets) {
            const file = path.resolve(root, t.path);
            const uri = `file://${file}`;
            await server.connection.sendNotification(DidOpenTextDocumentNotification.type, {textDocument: {
                uri, version: 1, languageId: LANGUAGES[path.extname(file).toLowerCase()] ?? "plaintext",
                text: staged ? await stagedText(root, t.path) : fs.readFileSync(file, "utf8")
            }});
            const ranges = t.ranges.length ? t.ranges.map((r) => ({start: {line: r.start, character: 0}, end: {line: r.end, character: 0}})) : [undefined];
            for (const range of ranges) {
                const result: ReviewResult = await server.connection.sendRequest(ReviewRequest.method, {textDocument: {uri}, range});
                const shown = path.relative(process.cwd(), file) || file;
                for (const c of result.comments) {
                    if (c.severity === "error") errors++;
                    console.log(`${shown}:${c.range.start.line + 1}:${c.range.start.character + 1}: ${c.severity}: ${c.message.replace(/\s+/g, " ")}`);
                }
                if (result.note) console.error(`${shown}: ${result.note}`);
            }
        }
        return errors > 0 ? 1 : 0;
    } finally {
        await server.shutdown().catch(() => server.kill());
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
        console.error(`gemma-code: ${error instanceof Error ? say(error.message) : error}`);
        process.exit(2);
    });
}
