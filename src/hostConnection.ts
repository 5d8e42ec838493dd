// The extension's side of the shared host (protocol/host.ts): whether this window uses it, and the
// vscode-languageclient ServerOptions that connect to it (starting it when none answers) instead of forking a
// server of its own.
import * as vscode from "vscode";
import type {ServerOptions} from "vscode-languageclient/node";
import {connectToHost} from "../common/hostConnect";
import {DEFAULT_HOST_IDLE_MS, hostDirectory, hostKey} from "../protocol/host";
import {serverSettings, sharedServerSetting} from "./config";
import * as l10n from "./l10n";

/** `gemmaCode.server.shared` (machine-scoped), and only for the local engine: a remote one holds no model here. */
export function usesSharedHost(): boolean {
    return sharedServerSetting() && serverSettings().engine === "local";
}

/** The host this window's settings ask for; a change means another model, so another host. */
export function currentHostKey(): string {
    return hostKey(serverSettings());
}

export function sharedHostServerOptions(serverModule: string, log: vscode.LogOutputChannel, env: NodeJS.ProcessEnv): ServerOptions {
    return async () => {
        const {socket, started} = await connectToHost({
            serverPath: serverModule, dir: hostDirectory(), key: currentHostKey(), idleMs: DEFAULT_HOST_IDLE_MS, env,
            log: (m) => log.info(m)
        });
        log.info(started ? "Started the shared Gemma Code server." : "Connected to the shared Gemma Code server.");
        return {reader: socket, writer: socket};
    };
}

/** Restart Server with a shared host: every window loses its suggestions for the reload, so ask when others use it. */
export async function confirmHostRestart(otherWindows: number): Promise<boolean> {
    if (otherWindows <= 0) return true;
    const restart = l10n.t("Restart for All Windows");
    const choice = await vscode.window.showWarningMessage(l10n.plural(otherWindows,
        "The Gemma Code server is shared with {0} other window. Restart it for both?",
        "The Gemma Code server is shared with {0} other windows. Restart it for all of them?"), {modal: true}, restart);
    return choice === restart;
}
