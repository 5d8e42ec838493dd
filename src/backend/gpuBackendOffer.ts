// Offers, once, to fetch the GPU backend this machine supports (CUDA, Vulkan) when the server runs on the CPU
// for lack of it: the .vsix carries only CPU binaries. Fetches into global storage with progress (cancellable,
// resumable), then restarts the server, which finds it there. Refused, offline or failed: it stays on the CPU
// and says so; "Gemma Code: Download GPU Backend" asks again.
import fs from "node:fs";
import * as vscode from "vscode";
import {Commands, type SystemInfo} from "../../protocol/lsp";
import {gpuBackendRegistry, serverSettings} from "../config";
import {BackendOffer, backendsDir, backendToOffer} from "./gpuBackendPackage";
import {fetchPackage, installedPackage} from "./npmRegistry";
import * as l10n from "../l10n";

const DECLINED_KEY = "gemmaCode.gpuBackend.declined";
// l10n-ignore: product names
const LABEL: Record<string, string> = {cuda: "CUDA", vulkan: "Vulkan"};

export interface GpuBackendDeps {
    context: vscode.ExtensionContext;
    log: vscode.LogOutputChannel;
    systemInfo(): Promise<SystemInfo | undefined> | undefined;
    restartServer(): Promise<void>;
}

export class GpuBackendOffer implements vscode.Disposable {
    private offered = false;
    private running: Promise<void> | undefined;
    private readonly command: vscode.Disposable;

    constructor(private readonly deps: GpuBackendDeps) {
        this.command = vscode.commands.registerCommand(Commands.downloadGpuBackend, () => this.offer(true));
    }

    /** Called when the local model is ready: offers the backend at most once per window, unless refused before. */
    onModelReady() {
        if (this.offered) return;
        this.offered = true;
        void this.offer(false);
    }

    private nodeLlamaCppVersion(): string {
        const file = this.deps.context.asAbsolutePath("node_modules/node-llama-cpp/package.json");
        return JSON.parse(fs.readFileSync(file, "utf8")).version;
    }

    private async offer(explicit: boolean): Promise<void> {
        const {log, context} = this.deps;
        const info = await Promise.resolve(this.deps.systemInfo()).catch(() => undefined);
        const offer = info && backendToOffer(info, serverSettings().gpu);
        if (!offer) {
            if (explicit) void vscode.window.showInformationMessage(info?.backend && info.backend !== "cpu"
                ? l10n.t("Gemma Code already runs on {0}.", info.backend) : l10n.t("Gemma Code found no CUDA or Vulkan GPU backend this machine supports; it runs on the CPU."));
            return;
        }
        const label = LABEL[offer.backend] ?? offer.backend;
        const version = this.nodeLlamaCppVersion();
        const root = backendsDir(context.globalStorageUri.fsPath);
        if (installedPackage(root, offer.packageName, version)) {
            log.warn(`${offer.packageName}@${version} is installed in ${root}, but the server still runs on the CPU: see llama.cpp's messages above.`);
            return;
        }
        if (!explicit && context.globalState.get(DECLINED_KEY) === offer.packageName) {
            log.info(`Running on the CPU: the ${label} backend was declined before ("Gemma Code: Download GPU Backend" fetches it).`);
            return;
        }
        const registry = gpuBackendRegistry();
        const download = l10n.t("Download"), keepCpu = l10n.t("Keep CPU");
        const choice = await vscode.window.showInformationMessage(
            l10n.t("Gemma Code runs on the CPU. This machine supports {0}: download node-llama-cpp's {0} backend ({1}, tens to hundreds of MB) from {2}?",
                label, `${offer.packageName}@${version}`, new URL(registry).host), download, keepCpu);
        if (choice !== download) {
            if (choice === keepCpu) await context.globalState.update(DECLINED_KEY, offer.packageName);
            log.info(`Staying on the CPU: the ${label} backend was not downloaded.`);
            return;
        }
        this.running ??= this.download(offer, version, root, registry).finally(() => this.running = undefined);
        return this.running;
    }

    private async download(offer: BackendOffer, version: string, root: string, registry: string): Promise<void> {
        const {log} = this.deps;
        const label = LABEL[offer.backend] ?? offer.backend;
        const started = Date.now();
        try {
            await vscode.window.withProgress({location: vscode.ProgressLocation.Notification, cancellable: true,
                title: l10n.t("Gemma Code: downloading the {0} backend", label)}, async (progress, token) => {
                const abort = new AbortController();
                token.onCancellationRequested(() => abort.abort());
                let shown = 0;
                await fetchPackage({registry, name: offer.packageName, version, root, signal: abort.signal,
                    onProgress: (received, total) => {
                        if (!total) return;
                        const pct = Math.floor(received / total * 100);
                        if (pct > shown) progress.report({increment: pct - shown, message: l10n.t("{0} of {1} MB", l10n.formatNumber(Math.round(received / 1e6)), l10n.formatNumber(Math.round(total / 1e6)))});
                        shown = Math.max(shown, pct);
                    }});
            });
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            log.warn(`The ${label} backend was not installed (${reason}); staying on the CPU.`);
            void vscode.window.showWarningMessage(l10n.t("Gemma Code could not download the {0} backend ({1}). It keeps running on the CPU; \"Gemma Code: Download GPU Backend\" tries again and resumes a partial download.",
                label, reason));
            return;
        }
        log.info(`Installed ${offer.packageName}@${version} in ${root} in ${((Date.now() - started) / 1000).toFixed(1)} s; restarting the server.`);
        await this.deps.restartServer();
    }

    dispose() {
        this.command.dispose();
    }
}
