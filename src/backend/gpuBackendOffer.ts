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

const DECLINED_KEY = "gemmaCode.gpuBackend.declined";
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
                ? `Gemma Code already runs on ${info.backend}.` : "Gemma Code found no CUDA or Vulkan GPU backend this machine supports; it runs on the CPU.");
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
        const choice = await vscode.window.showInformationMessage(
            `Gemma Code runs on the CPU. This machine supports ${label}: download node-llama-cpp's ${label} backend `
            + `(${offer.packageName}@${version}, tens to hundreds of MB) from ${new URL(registry).host}?`, "Download", "Keep CPU");
        if (choice !== "Download") {
            if (choice === "Keep CPU") await context.globalState.update(DECLINED_KEY, offer.packageName);
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
                title: `Gemma Code: downloading the ${label} backend`}, async (progress, token) => {
                const abort = new AbortController();
                token.onCancellationRequested(() => abort.abort());
                let shown = 0;
                await fetchPackage({registry, name: offer.packageName, version, root, signal: abort.signal,
                    onProgress: (received, total) => {
                        if (!total) return;
                        const pct = Math.floor(received / total * 100);
                        if (pct > shown) progress.report({increment: pct - shown, message: `${(received / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB`});
                        shown = Math.max(shown, pct);
                    }});
            });
        } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            log.warn(`The ${label} backend was not installed (${reason}); staying on the CPU.`);
            void vscode.window.showWarningMessage(`Gemma Code could not download the ${label} backend (${reason}). It keeps `
                + "running on the CPU; \"Gemma Code: Download GPU Backend\" tries again and resumes a partial download.");
            return;
        }
        log.info(`Installed ${offer.packageName}@${version} in ${root} in ${((Date.now() - started) / 1000).toFixed(1)} s; restarting the server.`);
        await this.deps.restartServer();
    }

    dispose() {
        this.command.dispose();
    }
}
