// Command-line options and statistics shared by the benchmarks (`--name value` pairs and `--flag`s).
import fs from "node:fs";
import path from "node:path";

const argv = process.argv.slice(2);

/** `--help`/`-h` on a benchmark prints its source's header comment (each one lists its options there) and exits,
 *  instead of starting a run that can take an hour. Only for a benchmark run by name: tests import this module too. */
function helpFromHeader(script: string) {
    const source = path.resolve(__dirname, "../../bench", path.basename(script, ".js") + ".ts");
    if (!fs.existsSync(source)) {
        console.error(`no help: ${source} is not there`);
        process.exit(2);
    }
    const header: string[] = [];
    for (const line of fs.readFileSync(source, "utf8").split("\n")) {
        if (!line.startsWith("//")) break;
        header.push(line.replace(/^\/\/ ?/, ""));
    }
    console.log(header.join("\n"));
    process.exit(0);
}
const script = process.argv[1] ?? "";
if ((argv.includes("--help") || argv.includes("-h")) && path.basename(path.dirname(script)) === "bench") helpFromHeader(script);

export const hasFlag = (name: string) => argv.includes(name);

export const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
};

/** An integer option of at least `min`; a bad value stops the benchmark before it spends minutes. */
export const intArg = (name: string, fallback: number, min = 0) => {
    const v = arg(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs an integer ≥ ${min}, got "${v}"`);
    return n;
};

/** Median (mean of the middle two for an even count); NaN for no values. */
export const median = (values: number[]) => {
    if (values.length === 0) return NaN;
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
