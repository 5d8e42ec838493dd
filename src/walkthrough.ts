// The first-run walkthrough (contributes.walkthroughs): opened once, on the first activation after installing.
import * as vscode from "vscode";

export const WALKTHROUGH_ID = "gemma-code.gemma-code#gemmaCode.gettingStarted";
const SHOWN_KEY = "gemmaCode.walkthroughShown";

export function showWalkthroughOnFirstRun(context: vscode.ExtensionContext) {
    if (context.globalState.get<boolean>(SHOWN_KEY)) return;
    // VS Code's own switch for walkthroughs of newly installed extensions.
    if (!vscode.workspace.getConfiguration("workbench.welcomePage").get<boolean>("walkthroughs.openOnInstall", true)) return;
    void context.globalState.update(SHOWN_KEY, true);
    void vscode.commands.executeCommand("workbench.action.openWalkthrough", WALKTHROUGH_ID, false);
}
