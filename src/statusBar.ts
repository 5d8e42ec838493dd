// The status bar item: model state at a glance, and the speed of the last suggestion (latency, tokens/s).
import * as vscode from "vscode";
import {Commands, type CompletionStats, type ServerState} from "../protocol/lsp";

export class StatusBar implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem("gemmaCode.status", vscode.StatusBarAlignment.Right, 100);
    private state: ServerState = {status: "loading", message: "Starting the language server…"};
    private stats: CompletionStats | undefined;
    /** Windows served by the shared host (this one included); 1 or less: nothing to say. */
    private sharedWith = 0;
    private snoozedUntil: number | undefined;

    constructor() {
        this.item.name = "Gemma Code";
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
        const speed = this.stats ? ` ${this.stats.latencyMs} ms${this.stats.tokensPerSecond ? ` · ${this.stats.tokensPerSecond} tok/s` : ""}` : "";
        switch (s.status) {
            case "loading":
                this.item.text = "$(loading~spin) Gemma";
                break;
            case "ready":
                this.item.text = `$(sparkle) Gemma${speed}`;
                break;
            case "error":
                this.item.text = "$(error) Gemma";
                break;
            case "unloaded":
                this.item.text = "$(debug-pause) Gemma: idle";
                break;
            case "noModel":
                this.item.text = "$(circle-slash) Gemma: no model";
                break;
        }
        if (this.snoozedUntil && s.status === "ready") this.item.text = "$(bell-slash) Gemma: snoozed";
        const shared = this.sharedWith > 1 ? `shared with ${this.sharedWith} windows` : "";
        if (shared && s.status === "ready") this.item.text += ` · ${shared}`;
        this.item.backgroundColor = s.status === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
        const tip = new vscode.MarkdownString(undefined, true);
        tip.appendText(s.message);
        if (s.status === "ready") {
            if (s.engine === "remote") tip.appendMarkdown(`\n\n**Server:** ${s.serverKind ?? "?"} at ${s.endpoint ?? "?"}  \n`);
            else tip.appendMarkdown(`\n\n**Backend:** ${s.backend ?? "?"}${s.devices?.length ? ` (${s.devices.join(", ")})` : ""}  \n`);
            tip.appendMarkdown(`**GPU layers:** ${s.gpuLayers ?? 0} · **context:** ${s.contextSize ?? "?"} tokens · **loaded in** ${s.loadMs ?? "?"} ms`);
            const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
            if (s.vramBytes) tip.appendMarkdown(`  \n**VRAM in use:** ${gib(s.vramBytes)}`);
            if (s.ramBytes) tip.appendMarkdown(`  \n**Server memory:** ${gib(s.ramBytes)}`);
        }
        if (this.stats) {
            const st = this.stats;
            tip.appendMarkdown(`\n\n**Last suggestion:** ${st.latencyMs} ms, ${st.source === "cache" ? "from cache" :
                `${st.generatedTokens} tokens at ${st.tokensPerSecond} tok/s, ${st.reusedTokens}/${st.promptTokens} prompt tokens reused`}`);
        }
        if (shared) tip.appendMarkdown(`\n\n**One model in memory, ${shared}** (gemmaCode.server.shared)`);
        this.item.tooltip = tip;
        this.item.accessibilityInformation = {label: `Gemma Code: ${s.message}${shared ? ` (${shared})` : ""}`};
    }

    dispose() {
        this.item.dispose();
    }
}
