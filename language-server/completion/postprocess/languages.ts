// What the filters need to know about a language: comment markers, string quotes, how blocks open and close.

export interface LanguageRules {
    /** Line-comment markers. */
    lineComments: readonly string[];
    /** `'` delimits strings ('abc'); when false it only makes char literals ('a', '\n'), and Rust lifetimes pass. */
    singleQuoteStrings: boolean;
    /** Python's """ and ''' strings. */
    tripleQuotes: boolean;
    /** A line ending in `:` opens an indented block (Python, YAML). */
    colonOpensBlock: boolean;
    /** Words that close a block on a line of their own (Ruby's `end`, the shell's `fi`). */
    closingWords: readonly string[];
    /** Markup, where `</s>` is a real tag and a ``` fence may be content. */
    markup: boolean;
}

export const cLike: LanguageRules = {
    lineComments: ["//"], singleQuoteStrings: false, tripleQuotes: false, colonOpensBlock: false, closingWords: [],
    markup: false
};

export const scriptLike: LanguageRules = {...cLike, singleQuoteStrings: true};

export const hashComments: LanguageRules = {...scriptLike, lineComments: ["#"]};

export const LANGUAGES: Record<string, LanguageRules> = {
    python: {...hashComments, tripleQuotes: true, colonOpensBlock: true},
    yaml: {...hashComments, colonOpensBlock: true},
    ruby: {...hashComments, closingWords: ["end"]},
    elixir: {...hashComments, closingWords: ["end"]},
    julia: {...hashComments, closingWords: ["end"]},
    shellscript: {...hashComments, closingWords: ["fi", "done", "esac"]},
    perl: hashComments, r: hashComments, toml: hashComments, dockerfile: hashComments, makefile: hashComments,
    lua: {...scriptLike, lineComments: ["--"], closingWords: ["end"]},
    sql: {...scriptLike, lineComments: ["--"]},
    haskell: {...cLike, lineComments: ["--"]},
    php: {...scriptLike, lineComments: ["//", "#"], markup: true},
    c: cLike, cpp: cLike, csharp: cLike, java: cLike, go: cLike, rust: cLike, kotlin: cLike, scala: cLike,
    swift: cLike, objective_c: cLike, zig: cLike,
    html: {...scriptLike, markup: true}, xml: {...scriptLike, markup: true}, vue: {...scriptLike, markup: true},
    svelte: {...scriptLike, markup: true}, astro: {...scriptLike, markup: true},
    javascriptreact: {...scriptLike, markup: true}, typescriptreact: {...scriptLike, markup: true},
    markdown: {...scriptLike, lineComments: [], markup: true}, mdx: {...scriptLike, lineComments: [], markup: true},
    plaintext: {...scriptLike, lineComments: []}
};

export function rulesFor(languageId: string): LanguageRules {
    return LANGUAGES[languageId] ?? scriptLike;
}
