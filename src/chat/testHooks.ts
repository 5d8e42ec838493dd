// TEST HOOKS ONLY: registered when the extension host runs with GEMMA_CODE_TEST=1 (the UI and extension-host
// tests set it). They let tests put exact text into the chat panel without a model, e.g. a hostile reply.
import * as vscode from "vscode";
import type {ChatController} from "./chatController";

export function registerChatTestHooks(controller: ChatController, reveal: () => Promise<void>): vscode.Disposable[] {
    if (process.env.GEMMA_CODE_TEST !== "1") return [];
    // Shows the hook in the command palette (package.json hides it unless this context key is set).
    void vscode.commands.executeCommand("setContext", "gemmaCode.testMode", true);
    return [
        vscode.commands.registerCommand("gemmaCode.test.injectAssistantReply", async (text?: unknown) => {
            if (typeof text !== "string") {
                // From the palette (a UI test): one line, with \n standing for a line break.
                const typed = await vscode.window.showInputBox({title: "Test hook: streamed assistant reply (\\n = new line)"});
                if (typed === undefined) return;
                text = typed.replace(/\\n/g, "\n");
            }
            await reveal();
            await controller.injectAssistantReply(text as string);
        })
    ];
}
