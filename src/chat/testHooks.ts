// TEST HOOKS ONLY, in development builds only: GEMMA_CODE_TEST_HOOKS is false in `node esbuild.mjs --production`
// (what scripts/package.mjs ships), so esbuild drops this code from the package, and the packaging script drops
// the command from the shipped package.json. In development builds it is registered when the extension host runs
// with GEMMA_CODE_TEST=1 (the UI tests set it), to put exact text into the chat panel without a model.
import * as vscode from "vscode";
import type {ChatController} from "./chatController";

declare const GEMMA_CODE_TEST_HOOKS: boolean;

export function registerChatTestHooks(controller: ChatController, reveal: () => Promise<void>): vscode.Disposable[] {
    if (GEMMA_CODE_TEST_HOOKS && process.env.GEMMA_CODE_TEST === "1") {
        // Shows the hook in the command palette (package.json hides it unless this context key is set).
        void vscode.commands.executeCommand("setContext", "gemmaCode.testMode", true);
        return [
            vscode.commands.registerCommand("gemmaCode.test.injectAssistantReply", async (text?: unknown) => {
                if (typeof text !== "string") {
                    // From the palette (a UI test): one line, with \n standing for a line break.
                    // l10n-ignore: a test hook, absent from the package
                    const typed = await vscode.window.showInputBox({title: "Test hook: streamed assistant reply (\\n = new line)"});
                    if (typed === undefined) return;
                    text = typed.replace(/\\n/g, "\n");
                }
                await reveal();
                await controller.appendReply(streamInPieces(text as string));
            })
        ];
    }
    return [];
}

/** Like a model: the text in pieces of up to 24 characters, 15 ms apart, until Stop. */
function streamInPieces(text: string, pieceDelayMs = 15) {
    return async (onDelta: (text: string) => void, signal: AbortSignal) => {
        let sent = "";
        for (const piece of text.match(/[\s\S]{1,24}/g) ?? []) {
            if (signal.aborted) break;
            onDelta(piece);
            sent += piece;
            await new Promise((r) => setTimeout(r, pieceDelayMs));
        }
        return sent;
    };
}
