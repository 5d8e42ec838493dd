// A chat question whose reply on the tiny random-weight model runs for hundreds of tokens, so a Stop after the first
// streamed text always lands mid-reply (test/lsp/chatReplyLength.test.ts checks it). The chat UI test now gets its
// replies from a scripted server instead (issue 13c); this is for tests of Stop on the real local engine.
//
// Random weights sample <end_of_turn> after a prompt-dependent number of tokens: "Explain sample.ts briefly." with
// sample.ts attached ends after 20 tokens (~0.2 s), with the generator before and after its per-token rework alike,
// so a Stop pressed after the first streamed text found the reply finished. "Explain sample.ts." with the same
// context runs ~700 tokens. Any change to the chat prompt (instructions, context format, template) can shorten it
// again: the LSP test then fails first, without a browser, and names this file.
export const LONG_REPLY_QUESTION = "Explain sample.ts.";
/** The chat UI test attaches the active editor's file (its chip is labelled with the file name). */
export const LONG_REPLY_CONTEXT_FILE = "sample.ts";
/** At least this many tokens (~1.5 s on 2 cores) before the reply ends by itself. */
export const LONG_REPLY_MIN_TOKENS = 300;
