// gemma/commitMessage: a commit message for the staged changes of a git repository, in Conventional Commits style
// when most of the repository's recent subjects are. The server runs git itself (read-only: diff and log), so any
// client, the CLI included, only has to say which repository. The diff is cut to fit the context; the reply is
// streamed and then cleaned (no fences, quotes or chatter around the message).
import {fileURLToPath} from "node:url";
import {ResponseError} from "vscode-languageserver";
import {git} from "../../common/gitDiff";
import {CommitMessageParams, CommitMessageRequest, CommitMessageResult, ErrorCodes} from "../../protocol/lsp";
import * as l10n from "../l10n";
import type {ModelSession} from "../engine/engine";

const CONVENTIONAL = /^(feat|fix|docs|style|refactor|perf|test|build|ci|chore|revert)(\([^)]*\))?!?: \S/;
const RECENT = 30;
const REPLY_TOKENS = 200;

/** Whether the history uses Conventional Commits: at least half of the recent subjects (and at least 3). */
export function usesConventionalCommits(subjects: string[]): boolean {
    const matching = subjects.filter((s) => CONVENTIONAL.test(s)).length;
    return matching >= 3 && matching * 2 >= subjects.length;
}

export function commitPrompt(diff: string, subjects: string[], conventional: boolean): string {
    const style = conventional
        ? "Use the Conventional Commits format this repository uses: `type(scope): summary`, type one of feat, fix, docs, "
            + "style, refactor, perf, test, build, ci, chore."
        : "Write the summary in the imperative mood, like the repository's recent subjects.";
    const examples = subjects.slice(0, 10).map((s) => `- ${s}`).join("\n");
    return `Write a git commit message for the staged changes below. First line: a summary of at most 72 characters. ${style} `
        + "If the change needs explaining, add a blank line and a short body saying why. Reply with the commit message only.\n\n"
        + (examples ? `Recent commit subjects:\n${examples}\n\n` : "")
        + `Staged diff:\n\`\`\`diff\n${diff}\n\`\`\``;
}

/** The message without what models put around it: fences, surrounding quotes, a "Commit message:" label. */
export function cleanCommitMessage(reply: string): string {
    let text = reply.trim().replace(/^```[^\n]*\n?/, "").replace(/\n?```\s*$/, "").trim();
    text = text.replace(/^(commit message|message)\s*:\s*/i, "").trim();
    if (/^(["'`]).*\1$/s.test(text)) text = text.slice(1, -1).trim();
    return text.split("\n").map((l) => l.trimEnd()).join("\n");
}

export async function runCommitMessage(session: ModelSession, params: CommitMessageParams, maxTokens: number, signal: AbortSignal,
                                       onDelta: (text: string) => void): Promise<CommitMessageResult> {
    let cwd: string;
    try {
        cwd = fileURLToPath(params?.rootUri);
    } catch {
        // l10n-ignore: a protocol error of a client, for its developer
        throw new ResponseError(ErrorCodes.InvalidInput, `${CommitMessageRequest.method} needs the file: URI of a folder in a git repository, got ${JSON.stringify(params?.rootUri)}.`);
    }
    const run = (args: string[]) => git(cwd, args).catch((e: Error) => {
        throw new ResponseError(ErrorCodes.InvalidInput, e.message);
    });
    const diff = await run(["diff", "--staged", "--no-color", "--no-ext-diff", "-U3"]);
    if (!diff.trim()) throw new ResponseError(ErrorCodes.InvalidInput, l10n.t("Nothing is staged: stage the changes to describe first."));
    const log = await git(cwd, ["log", `-n${RECENT}`, "--format=%s"]).catch(() => ""); // a repository with no commit yet
    const subjects = log.split("\n").map((s) => s.trim()).filter(Boolean);
    const conventional = usesConventionalCommits(subjects);
    const replyTokens = Math.min(maxTokens, REPLY_TOKENS);
    const budget = session.contextSize - replyTokens - session.countTokens(commitPrompt("", subjects, conventional)) - 64;
    const reply = await session.chat([{role: "user", content: commitPrompt(fitDiff(diff, budget, (s) => session.countTokens(s)), subjects, conventional)}],
        {maxTokens: replyTokens, signal, onDelta});
    if (signal.aborted && !reply.text) throw new ResponseError(ErrorCodes.RequestCancelled, l10n.t("Commit message cancelled"));
    return {message: cleanCommitMessage(reply.text), conventional};
}

/** The diff cut to `budget` tokens: whole files first, then the rest of a file is replaced by a note. */
function fitDiff(diff: string, budget: number, count: (s: string) => number): string {
    if (count(diff) <= budget) return diff;
    // Tokens per character of this diff, to cut without counting every prefix.
    const ratio = count(diff.slice(0, 4000)) / Math.min(diff.length, 4000);
    const chars = Math.max(0, Math.floor(budget / Math.max(ratio, 0.1) * 0.9));
    return `${diff.slice(0, chars)}\n… (the rest of the diff is left out: it does not fit)`;
}
