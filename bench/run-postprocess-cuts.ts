// `node out/bench/run-postprocess-cuts.js --from FILE.json [--row ID] [--per-file N] [--kinds block]`: which
// postprocessing filter made a suggestion shorter than its answer. It reads the raw texts a run of
// run-prompt-variants.js saved (row `<ID>/raw`, default the product's `cont+ctxc`), runs the postprocessing of this
// build on them filter by filter (the chain of language-server/completion/postprocess/index.ts), and for every case
// whose raw text has at least as many lines as the answer but whose suggestion has fewer, prints the filter that cut
// it, the line it stopped at and why, the answer, the raw text and the suggestion. Ends with a count per reason.
import fs from "node:fs";
import {decideMultiline, postprocessCompletion} from "../language-server/completion/postprocess";
import {describeCursor, nextCodeLine, repeatsLine} from "../language-server/completion/postprocess/context";
import {rulesFor} from "../language-server/completion/postprocess/languages";
import {isBlankRange, indentWidth} from "../language-server/completion/postprocess/text";
import {truncateAtStopSignals} from "../language-server/completion/postprocess/specialTokens";
import {dropRetypedIndentation, normalizeLineEnds} from "../language-server/completion/postprocess/whitespace";
import {selectBlockLines} from "../language-server/completion/postprocess/indentationScope";
import {selectFirstLine} from "../language-server/completion/postprocess/multiline";
import {cutAtRepetition} from "../language-server/completion/postprocess/repetition";
import {withoutControlCharacters} from "../language-server/completion/controlChars";
import {repoRoot} from "../test/support/paths";
import {arg, intArg} from "./cliArgs";
import {cutToSpan} from "./quality";
import {buildCases, loadSources, MaskedCase} from "./qualityCases";

const codeLines = (text: string) => text.trimEnd().split("\n").length;

/** Why the block filter stopped before `line` (the first code line of the text it did not keep). */
function stopReason(line: string, indent: number, firstIndent: number, next: ReturnType<typeof nextCodeLine>): string {
    const t = line.trim();
    if (next && repeatsLine(line, indent, next)) return `repeats the suffix's next line (${JSON.stringify(next.text.slice(0, 30))})`;
    const closer = /^[)\]}]/.test(t) || /^(end|fi|done|esac)\b/.test(t);
    if (indent < firstIndent) return closer ? "dedented closing line" : "dedented line";
    if (indent === firstIndent) return closer ? "closing line at the block's indentation" : "new statement after the first line's block";
    return "deeper line";
}

function main() {
    const from = arg("--from");
    if (!from) throw new Error("--from FILE.json (a run-prompt-variants.js result) is needed");
    const row = arg("--row") ?? "cont+ctxc";
    const kinds = arg("--kinds")?.split(",");
    const saved = JSON.parse(fs.readFileSync(from, "utf8")) as {texts: Record<string, {texts: string[]}>; results: Record<string, {id: string}[]>};
    const raws = saved.texts[`${row}/raw`]?.texts;
    if (!raws) throw new Error(`${from} has no row ${row}/raw`);
    const byId = new Map(buildCases(loadSources(repoRoot), intArg("--per-file", 14, 1)).map((c) => [c.id, c]));
    const ids = saved.results[`${row}/raw`].map((r) => r.id);
    const tally = new Map<string, number>();
    let short = 0, considered = 0;
    for (const [i, id] of ids.entries()) {
        const c = byId.get(id) as MaskedCase;
        if (kinds && !kinds.includes(c.kind)) continue;
        considered++;
        const ctx = {prefix: c.prefix, suffix: c.suffix, languageId: c.languageId};
        const raw = raws[i];
        const shown = withoutControlCharacters(postprocessCompletion(raw, ctx, {multiline: decideMultiline(ctx)}) ?? "");
        if (c.span < 2 || codeLines(cutToSpan(raw, c.span)) < c.span || codeLines(shown) >= c.span) continue;
        short++;
        // The chain of postprocess/index.ts, stage by stage, to see which one removed the lines.
        const rules = rulesFor(c.languageId);
        const multiline = decideMultiline(ctx);
        const cursor = describeCursor(ctx, rules);
        const stopped = normalizeLineEnds(truncateAtStopSignals(raw, c.languageId));
        const text = dropRetypedIndentation(stopped, cursor, ctx.prefix, rules);
        let reason: string;
        if (codeLines(stopped) < c.span) {
            reason = "special tokens / stop signals";
        } else if (!multiline) {
            reason = "single-line decision (decideMultiline)";
        } else {
            const lines = selectBlockLines(text, cursor, ctx, rules);
            const kept = cutAtRepetition(lines, cursor);
            if (lines.filter((l) => !isBlankRange(l, 0, l.length)).length < c.span) {
                const all = text.split("\n");
                let j = lines.length;
                while (j < all.length && isBlankRange(all[j], 0, all[j].length)) j++;
                const line = all[j] ?? "";
                const firstIndent = indentWidth(lines[0], 0, lines[0].length, cursor.lineIndent);
                const lastKept = lines[lines.length - 1].trim();
                reason = `indentationScope: ${j >= all.length ? "end of text" : stopReason(line, indentWidth(line, 0, line.length), firstIndent, nextCodeLine(ctx.suffix))}`
                    + (/^[)\]}]/.test(lastKept) ? ", after a kept closing line" : "");
            } else if (kept.length < lines.length) {
                reason = "repetition";
            } else {
                reason = "later filters (suffix overlap, brackets, partial token)";
            }
        }
        tally.set(reason.replace(/ \(".*"\)/, ""), (tally.get(reason.replace(/ \(".*"\)/, "")) ?? 0) + 1);
        console.log(`\n## ${id} — ${reason}\n--- answer\n${c.expected}\n--- raw\n${raw.split("\n").slice(0, 8).join("\n")}\n--- shown\n${shown}`);
    }
    console.log(`\n${short} of ${considered} cases shorter than the answer after postprocessing (the raw text was not):`);
    for (const [reason, n] of [...tally].sort((a, b) => b[1] - a[1])) console.log(`  ${n}  ${reason}`);
}

main();
