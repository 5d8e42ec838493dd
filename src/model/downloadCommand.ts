// The first-run offer and the `gemmaCode.downloadModel` command: recommend a Gemma 2 GGUF from the machine's
// free VRAM/RAM, download it into the extension's global storage with a cancellable progress notification,
// verify it, and store its path (machine-scoped). Nothing goes over the network until the user picks a download.
import fs from "node:fs";
import path from "node:path";
import * as vscode from "vscode";
import {Commands, type SystemInfo} from "../../protocol/lsp";
import {downloadSettings, setModelPath} from "../config";
import {DownloadCancelledError, DownloadError, downloadHost, downloadModel, formatProgress} from "./downloader";
import {DEFAULT_MODEL_URI, formatGB, GEMMA2_2B, knownModel, recommendModel} from "./recommend";
import * as l10n from "../l10n";

export interface DownloadDeps {
    context: vscode.ExtensionContext;
    log: vscode.LogOutputChannel;
    /** The server's `gemma/systemInfo` answer; may reject or return undefined when there is no server. */
    systemInfo: () => Promise<SystemInfo | undefined> | undefined;
    /** The existing file picker (commands.ts's selectModelFile); true when a path was stored. */
    selectModelFile: () => Promise<boolean>;
}

let registered: DownloadDeps | undefined;
/** The one running download: a second request joins it instead of writing the same file twice. */
let running: {uri: string; done: Promise<boolean>; abort: AbortController} | undefined;
let closing = false;

/** Registers `gemmaCode.downloadModel` ([uri]); disposing it stops a running download, keeping the partial file. */
export function registerDownloadCommand(deps: DownloadDeps): vscode.Disposable {
    registered = deps;
    closing = false;
    const command = vscode.commands.registerCommand(Commands.downloadModel, (uri?: unknown) =>
        typeof uri === "string" && uri.trim() ? downloadAndUse(deps, uri.trim()) : offerModelDownload(deps));
    return new vscode.Disposable(() => {
        command.dispose();
        // Window closing or reloading: stop quietly; the partial file stays and the next download resumes it.
        closing = true;
        running?.abort.abort();
        if (registered === deps) registered = undefined;
    });
}

type OfferItem = vscode.QuickPickItem & {action: () => Promise<boolean>};

/**
 * The first-run quick pick: download the recommended model, the 2B, or select a GGUF file. Resolves true when
 * a model path was stored, false when the user dismissed it or the download failed or was cancelled.
 */
export async function offerModelDownload(deps: DownloadDeps | undefined = registered): Promise<boolean> {
    // l10n-ignore: a programming error, never shown
    if (!deps) throw new Error("registerDownloadCommand() must run before offerModelDownload()");
    const settings = downloadSettings();
    const info = await withTimeout(Promise.resolve(deps.systemInfo()), 5000).catch((e) => {
        deps.log.warn(`No system info for the model recommendation: ${e}`);
        return undefined;
    });
    const rec = recommendModel(info);
    // A model the user configured wins over the recommendation; the default URI lets us pick a quant that fits.
    const bigUri = !settings.modelIsDefault ? settings.model : rec.model.family === GEMMA2_2B.family ? DEFAULT_MODEL_URI : rec.model.uri;
    const big = describeUri(bigUri);
    const recommendSmall = settings.modelIsDefault && rec.model === GEMMA2_2B;
    const items: OfferItem[] = [
        {label: `$(cloud-download) ${settings.modelIsDefault && !recommendSmall ? l10n.t("Download {0} (recommended)", big.name) : l10n.t("Download {0}", big.name)}`,
            description: big.size,
            detail: recommendSmall ? l10n.t("More capable, needs more memory") : settings.modelIsDefault ? l10n.t("Recommended: {0}", rec.reason) :
                l10n.t("From gemmaCode.download.model"),
            action: () => downloadAndUse(deps, bigUri)},
        {label: `$(cloud-download) ${recommendSmall ? l10n.t("Download {0} (recommended)", GEMMA2_2B.family) : l10n.t("Download {0}", GEMMA2_2B.family)}`,
            description: describeUri(GEMMA2_2B.uri).size,
            detail: recommendSmall ? l10n.t("Recommended: {0}", rec.reason) : l10n.t("Smaller and faster, less capable: for small GPUs and CPU-only machines"),
            action: () => downloadAndUse(deps, GEMMA2_2B.uri)},
        {label: `$(file) ${l10n.t("Select a GGUF file…")}`, detail: l10n.t("Use a model you already have"), action: deps.selectModelFile}
    ];
    if (recommendSmall) [items[0], items[1]] = [items[1], items[0]];
    const pick = await vscode.window.showQuickPick(items, {
        title: l10n.t("Gemma Code needs a model"),
        placeHolder: l10n.t("Downloads come from {0} and stay in VS Code's storage for this extension", downloadHost(DEFAULT_MODEL_URI, settings.endpoint)),
        ignoreFocusOut: true
    });
    return pick ? pick.action() : false;
}

/** Downloads `uri` with a progress notification, verifies it and stores it as the model path. */
export async function downloadAndUse(deps: DownloadDeps, uri: string): Promise<boolean> {
    if (running) {
        if (running.uri !== uri) void vscode.window.showInformationMessage(l10n.t("Gemma Code is already downloading a model; wait for it or cancel it first."));
        return running.done;
    }
    const abort = new AbortController();
    const attempt = download(deps, uri, abort);
    running = {uri, done: attempt.then((error) => !error), abort};
    // The download is over before its outcome is shown: a message left open must not block the next try.
    const error = await attempt.finally(() => running = undefined);
    const {log} = deps;
    if (!error) return true;
    if (error instanceof DownloadCancelledError) {
        // Not awaited: the caller (the offer) is done, the question about disk space can wait.
        if (!closing) void offerToDeletePartial(modelsDir(deps.context), log);
        return false;
    }
    const retry = l10n.t("Retry"), showLog = l10n.t("Show Log");
    const choice = await vscode.window.showErrorMessage(l10n.t("Gemma Code: {0}", error.message), retry, showLog);
    if (choice === showLog) log.show();
    return choice === retry ? downloadAndUse(deps, uri) : false;
}

/** Resolves undefined when the model is stored, else with what went wrong (never rejects). */
async function download(deps: DownloadDeps, uri: string, abort: AbortController): Promise<Error | undefined> {
    const {log, context} = deps;
    const {endpoint} = downloadSettings();
    const dirPath = modelsDir(context);
    const name = describeUri(uri).name;
    log.info(`Downloading ${uri} from ${downloadHost(uri, endpoint)} into ${dirPath}.`);
    try {
        const result = await vscode.window.withProgress({
            location: vscode.ProgressLocation.Notification,
            title: l10n.t("Downloading {0}", name),
            cancellable: true
        }, (progress, token) => {
            token.onCancellationRequested(() => abort.abort());
            let shown = 0; // percent already reported: VS Code's bar takes increments
            return downloadModel({uri, dirPath, endpoint, signal: abort.signal, progressIntervalMs: 500,
                onProgress: (p) => {
                    const percent = p.total > 0 ? (100 * p.bytes) / p.total : 0;
                    progress.report({message: formatProgress(p), increment: Math.max(0, percent - shown)});
                    shown = Math.max(shown, percent);
                }});
        });
        log.info(`Downloaded and verified ${result.path} (${result.sizeBytes} bytes, ${result.architecture}` +
            `${result.resumedFromBytes ? `, resumed from ${result.resumedFromBytes} bytes` : ""}).`);
        await setModelPath(result.path);
        void vscode.window.showInformationMessage(l10n.t("Gemma Code: {0} is downloaded and verified; loading it now.", name));
        return undefined;
    } catch (error) {
        if (error instanceof DownloadCancelledError) {
            log.info(`The download of ${uri} was cancelled; its partial file stays in ${dirPath} to resume.`);
            return error;
        }
        const e = error instanceof Error ? error : new Error(String(error));
        log.error(`Download of ${uri} failed: ${e.message}${e instanceof DownloadError && e.detail ? ` (${e.detail})` : ""}`);
        return e;
    }
}

/** After a cancel, the partial file (up to several GB) stays to resume; the user may take the disk space back. */
async function offerToDeletePartial(dirPath: string, log: vscode.LogOutputChannel) {
    const partials = (await fs.promises.readdir(dirPath).catch(() => [])).filter((f) => f.endsWith(".ipull"));
    if (partials.length === 0) return;
    const deleteIt = l10n.t("Delete It");
    const choice = await vscode.window.showInformationMessage(
        l10n.t("Gemma Code: download cancelled. What was downloaded is kept, and the next download resumes from it."), deleteIt);
    if (choice !== deleteIt || running) return;
    for (const f of partials) await fs.promises.rm(path.join(dirPath, f), {force: true});
    log.info(`Deleted partial downloads: ${partials.join(", ")}.`);
}

function modelsDir(context: vscode.ExtensionContext) {
    return path.join(context.globalStorageUri.fsPath, "models");
}

function describeUri(uri: string): {name: string; size?: string} {
    const known = knownModel(uri);
    return known ? {name: known.family, size: `${known.quant}, ${formatGB(known.sizeBytes)}`} : {name: uri};
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms); // l10n-ignore: logged only
        p.then(resolve, reject).finally(() => clearTimeout(t));
    });
}
