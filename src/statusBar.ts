// The status bar item: model state at a glance, and the speed of the last suggestion (latency, tokens/s).
import * as vscode from "vscode";
import {Commands, type CompletionStats, type ServerState} from "../protocol/lsp";
import * as l10n from "./l10n";
import {stateHeadline} from "./stateText";

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem("gemmaCode.status", vscode.StatusBarAlignment.Right, 100);
    private state: ServerState = {status: "loading", message: l10n.t("Starting the language server…")};
    private stats: CompletionStats | undefined;
    /** Windows served by the shared host (this one included); 1 or less: nothing to say. */
    private sharedWith = 0;
    private snoozedUntil: number | undefined;

    constructor() {
        this.item.name = l10n.t("Gemma Code");
        this.item.command = Commands.showMenu;
        this.render();
        this.item.show();
    }

    setState(state: ServerState) {
        // A restarted server or a reloaded model: the last suggestion's speed says nothing about it any more.
        if (state.status !== "ready" || state.pid !== this.state.pid) this.stats = undefined;
        this.state = state;
        this.render();
    }

    setShared(windows: number) {
        this.sharedWith = windows;
        this.render();
    }

    /** Completions snoozed until this time (ms since the epoch), or undefined. */
    setSnoozed(until: number | undefined) {
        this.snoozedUntil = until;
        this.render();
    }

    setStats(stats: CompletionStats) {
        this.stats = stats;
        this.render();
    }

    private render() {
        const s = this.state;
        const n = (v: number) => l10n.formatNumber(v);
        const speed = this.stats ? ` ${this.stats.tokensPerSecond
            ? l10n.t("{0} ms · {1} tok/s", n(this.stats.latencyMs), n(this.stats.tokensPerSecond))
            : l10n.t("{0} ms", n(this.stats.latencyMs))}` : "";
        switch (s.status) {
            case "loading":
                this.item.text = `$(loading~spin) ${l10n.t("Gemma")}`;
                break;
            case "ready":
                this.item.text = `$(sparkle) ${l10n.t("Gemma")}${speed}`;
                break;
            case "error":
                this.item.text = `$(error) ${l10n.t("Gemma")}`;
                break;
            case "unloaded":
                this.item.text = `$(debug-pause) ${l10n.t("Gemma: idle")}`;
                break;
            case "noModel":
                this.item.text = `$(circle-slash) ${l10n.t("Gemma: no model")}`;
                break;
        }
        if (this.snoozedUntil && s.status === "ready") this.item.text = `$(bell-slash) ${l10n.t("Gemma: snoozed")}`;
        const shared = this.sharedWith > 1 ? l10n.plural(this.sharedWith, "shared with {0} window", "shared with {0} windows") : "";
        if (shared && s.status === "ready") this.item.text += ` · ${shared}`;
        this.item.backgroundColor = s.status === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
        const tip = new vscode.MarkdownString(undefined, true);
        // The headline in the display language; the server's own sentence follows (with names and paths, translated by
        // the server for the locale the client sent in `initialize`).
        const headline = stateHeadline(s.status);
        if (headline !== s.message) tip.appendText(`${headline}\n\n`);
        tip.appendText(s.message);
        const bold = (label: string) => `**${label}**`;
        if (s.status === "ready") {
            if (s.engine === "remote") tip.appendMarkdown(`\n\n${bold(l10n.t("Server:"))} ${l10n.t("{0} at {1}", s.serverKind ?? "?", s.endpoint ?? "?")}  \n`);
            else tip.appendMarkdown(`\n\n${bold(l10n.t("Backend:"))} ${s.backend ?? "?"}${s.devices?.length ? ` (${s.devices.join(", ")})` : ""}  \n`);
            tip.appendMarkdown([
                `${bold(l10n.t("GPU layers:"))} ${n(s.gpuLayers ?? 0)}`,
                `${bold(l10n.t("context:"))} ${s.contextSize !== undefined ? l10n.t("{0} tokens", n(s.contextSize)) : "?"}`,
                `${bold(l10n.t("loaded in"))} ${s.loadMs !== undefined ? l10n.t("{0} ms", n(s.loadMs)) : "?"}`
            ].join(" · "));
            const gib = (b: number) => l10n.t("{0} GiB", l10n.formatNumber(b / 1024 ** 3, {minimumFractionDigits: 1, maximumFractionDigits: 1}));
            if (s.vramBytes) tip.appendMarkdown(`  \n${bold(l10n.t("VRAM in use:"))} ${gib(s.vramBytes)}`);
            if (s.ramBytes) tip.appendMarkdown(`  \n${bold(l10n.t("Server memory:"))} ${gib(s.ramBytes)}`);
        }
        if (this.stats) {
            const st = this.stats;
            tip.appendMarkdown(`\n\n${bold(l10n.t("Last suggestion:"))} ${st.source === "cache"
                ? l10n.t("{0} ms, from cache", n(st.latencyMs))
                : l10n.t("{0} ms, {1} tokens at {2} tok/s, {3}/{4} prompt tokens reused", n(st.latencyMs), n(st.generatedTokens),
                    n(st.tokensPerSecond), n(st.reusedTokens), n(st.promptTokens))}`);
        }
        if (shared) tip.appendMarkdown(`\n\n${bold(l10n.t("One model in memory, {0}", shared))} (gemmaCode.server.shared)`);
        this.item.tooltip = tip;
        this.item.accessibilityInformation = {label: `${l10n.t("Gemma Code: {0}", headline === s.message ? s.message : `${headline} ${s.message}`)}${shared ? ` (${shared})` : ""}`};
    }

    dispose() {
        this.item.dispose();
    }
}
