// Pausing completions without changing settings: "Snooze completions for 30 min" (remembered across reloads, ends
// by itself), and turning them off or on for the current file's language (gemmaCode.completion.enable, user settings).
import * as vscode from "vscode";
import {Commands} from "../protocol/lsp";
import {clientSettings, completionEnabledFor, SECTION} from "./config";
import * as l10n from "./l10n";

export const SNOOZE_KEY = "gemmaCode.snoozedUntil";
export const SNOOZE_MINUTES = 30;

let snoozedUntil = 0;

/** Whether ghost text is snoozed now (the completion middleware asks on every request). */
export function completionsSnoozed(now = Date.now()) {
    return now < snoozedUntil;
}

export function registerSnooze(context: vscode.ExtensionContext, onChange: (until: number | undefined) => void): vscode.Disposable[] {
    snoozedUntil = context.globalState.get<number>(SNOOZE_KEY, 0);
    let timer: NodeJS.Timeout | undefined;
    const set = async (until: number) => {
        snoozedUntil = until;
        await context.globalState.update(SNOOZE_KEY, until);
        clearTimeout(timer);
        if (completionsSnoozed()) timer = setTimeout(() => void set(0), until - Date.now());
        onChange(completionsSnoozed() ? until : undefined);
    };
    void set(snoozedUntil > Date.now() ? snoozedUntil : 0);
    return [
        {dispose: () => clearTimeout(timer)},
        vscode.commands.registerCommand(Commands.snoozeCompletions, () => set(Date.now() + SNOOZE_MINUTES * 60_000)),
        vscode.commands.registerCommand(Commands.resumeCompletions, () => set(0)),
        vscode.commands.registerCommand(Commands.toggleLanguageCompletions, async (languageArg?: unknown) => {
            const languageId = typeof languageArg === "string" ? languageArg : vscode.window.activeTextEditor?.document.languageId;
            if (!languageId) return;
            const config = vscode.workspace.getConfiguration(SECTION);
            const current = config.inspect<Record<string, boolean>>("completion.enable")?.globalValue
                ?? clientSettings().enableByLanguage;
            const enabled = completionEnabledFor(languageId);
            await config.update("completion.enable", {...current, [languageId]: !enabled}, vscode.ConfigurationTarget.Global);
            void vscode.window.showInformationMessage(enabled ? l10n.t("Gemma Code: completions off for {0}.", languageId)
                : l10n.t("Gemma Code: completions on for {0}.", languageId));
        })
    ];
}

/** The status bar menu's entries for snoozing and the current language. */
export function snoozeMenuItems(): (vscode.QuickPickItem & {command: string})[] {
    const items: (vscode.QuickPickItem & {command: string})[] = completionsSnoozed()
        ? [{label: `$(bell) ${l10n.t("Resume Completions")}`,
            description: l10n.t("snoozed until {0}", new Date(snoozedUntil).toLocaleTimeString(l10n.displayLanguage())),
            command: Commands.resumeCompletions}]
        : [{label: `$(bell-slash) ${l10n.t("Snooze Completions for {0} min", l10n.formatNumber(SNOOZE_MINUTES))}`, command: Commands.snoozeCompletions}];
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    if (languageId) {
        items.push({label: completionEnabledFor(languageId) ? `$(circle-slash) ${l10n.t("Disable Completions for {0}", languageId)}`
            : `$(check) ${l10n.t("Enable Completions for {0}", languageId)}`, command: Commands.toggleLanguageCompletions});
    }
    return items;
}
