// Command-line options and statistics shared by the benchmarks (`--name value` pairs and `--flag`s).
const argv = process.argv.slice(2);

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
