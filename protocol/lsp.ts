// The one place that defines Gemma Code's custom LSP methods, their parameters and results, and the settings
// the client sends the server. Imported by the extension (src/), the language server (language-server/), the
// CLI and the tests, so a change here is a compile error on both sides instead of a silent mismatch.
// The definitions live in one module per subject; this file re-exports them all, so every import stays
// `from "protocol/lsp"`.
export * from "./settings";
export * from "./state";
export * from "./completion";
export * from "./tasks";
export * from "./commands";
export type {Diagnostic, Position, Range} from "vscode-languageserver-protocol";
