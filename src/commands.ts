// Commands of the command palette and the status bar menu.
import * as vscode from "vscode";
import {setModelPath, storeRemoteApiKey} from "./config";
import type {GemmaClient} from "./client";
import {always, type CommandFactory} from "./ctx";
import {Commands, type SystemInfo} from "../protocol/lsp";
import {offerModelDownload} from "./model/downloadCommand";
import {formatGB, recommendModel} from "./model/recommend";
import {snoozeMenuItems} from "./snooze";
import * as l10n from "./l10n";

/** Commands that work whether or not the language server runs (Restart Server starts it). */
export function generalCommands(): Record<string, CommandFactory> {
    return {
        [Commands.showLog]: always(({log}) => () => log.show(true)),
        [Commands.restartServer]: always(({client, log}) => async () => {
            log.info("Restarting the language server (user request).");
            await client.restart();
        }),
        [Commands.selectModelFile]: always(() => selectModelFile),
        [Commands.showMenu]: always(() => async () => {
            const picks: (vscode.QuickPickItem & {command: string})[] = [
                ...snoozeMenuItems(),
                {label: `$(output) ${l10n.t("Show Log")}`, command: Commands.showLog},
                {label: `$(debug-restart) ${l10n.t("Restart Server")}`, command: Commands.restartServer},
                {label: `$(file) ${l10n.t("Select Model File…")}`, command: Commands.selectModelFile},
                {label: `$(cloud-download) ${l10n.t("Download Model…")}`, command: Commands.downloadModel},
                {label: `$(gear) ${l10n.t("Settings")}`, command: Commands.openSettings}
            ];
            const pick = await vscode.window.showQuickPick(picks, {title: "Gemma Code"});
            if (pick) await vscode.commands.executeCommand(pick.command);
        }),
        [Commands.openSettings]: always(() =>
            () => vscode.commands.executeCommand("workbench.action.openSettings", "@ext:gemma-code.gemma-code"))
    };
}

/** Lets the user pick a GGUF file and stores it as the (machine-scoped) model path. */
export async function selectModelFile(): Promise<boolean> {
    const picked = await vscode.window.showOpenDialog({
        title: l10n.t("Select a Gemma GGUF model file"),
        canSelectMany: false,
        filters: {[l10n.t("GGUF models")]: ["gguf"]}
    });
    if (!picked?.[0]) return false;
    await setModelPath(picked[0].fsPath);
    return true;
}

/** Shown when the server reports that no model is configured; once per window, not on every state change. */
export async function offerModelSelection(systemInfo?: () => Promise<SystemInfo | undefined> | undefined) {
    // The size said here is the one the quick pick then recommends for this machine.
    const info = await Promise.resolve(systemInfo?.()).catch(() => undefined);
    const model = recommendModel(info).model;
    const downloadOrSelect = l10n.t("Download or Select…"), openSettings = l10n.t("Open Settings");
    const choice = await vscode.window.showWarningMessage(
        l10n.t("Gemma Code needs a model: download {0} (about {1}, once) or pick a GGUF file you have.", model.family, formatGB(model.sizeBytes)),
        downloadOrSelect, openSettings);
    // Nothing is downloaded until the user picks a download in the quick pick.
    if (choice === downloadOrSelect) await offerModelDownload();
    else if (choice === openSettings) await vscode.commands.executeCommand("workbench.action.openSettings", "gemmaCode.modelPath");
}

/** "Set Remote API Key": stores the key in SecretStorage (never in settings) and sends it to the server. */
export function registerRemoteApiKeyCommand(secrets: vscode.SecretStorage, client: GemmaClient): vscode.Disposable {
    return vscode.commands.registerCommand(Commands.setRemoteApiKey, async () => {
        const key = await vscode.window.showInputBox({
            title: l10n.t("Gemma Code: API key of the inference server"),
            prompt: l10n.t("Sent as \"Authorization: Bearer …\" to gemmaCode.remote.endpoint. Stored in VS Code's secret storage. Leave empty to remove it."),
            password: true, ignoreFocusOut: true
        });
        if (key === undefined) return;
        await storeRemoteApiKey(secrets, key.trim());
        await client.sendSettings();
        void vscode.window.showInformationMessage(key.trim() ? l10n.t("Gemma Code: API key stored.") : l10n.t("Gemma Code: API key removed."));
    });
}
