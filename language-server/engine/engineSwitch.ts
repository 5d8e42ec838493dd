// The engine the server uses, chosen by the `engine` setting: the local one (default) or the remote one. Switching
// stops the work in flight, releases the old engine (a local model frees its memory) and starts the other.
import type {CancellationToken} from "vscode-languageserver";
import type {EngineKind, ServerSettings, ServerState, SystemInfo} from "../../protocol/lsp";
import type {Logger} from "../log";
import type {BeforeUnload, Engine, ModelSession} from "./engine";
import {LocalEngine} from "./local/localEngine";
import {RemoteEngine} from "./remote/remoteEngine";

export class EngineSwitch implements Engine {
    /** Always there: it serves when engine is "local", and answers systemInfo() (llama.cpp's view of this machine). */
    private readonly local: LocalEngine;
    private remote: RemoteEngine | undefined;
    private current: Engine;
    private readonly hooks: BeforeUnload[] = [];
    private busy: () => boolean = () => false;

    constructor(private readonly log: Logger, private readonly onState: (state: ServerState) => void) {
        // Only the engine in use reports state.
        this.local = new LocalEngine(log, (s) => {
            if (this.current === this.local) onState(s);
        });
        this.current = this.local;
    }

    get kind(): EngineKind {
        return this.current.kind;
    }

    get currentState() {
        return this.current.currentState;
    }

    get isBusy() {
        return this.busy;
    }
    set isBusy(f: () => boolean) {
        this.busy = f;
        this.local.isBusy = f;
        if (this.remote) this.remote.isBusy = f;
    }

    configure(settings: ServerSettings) {
        if (settings.engine === "remote" && this.current !== this.remote) {
            const remote = new RemoteEngine(this.log, (s) => {
                if (this.current === remote) this.onState(s);
            });
            remote.isBusy = this.busy;
            for (const hook of this.hooks) remote.onBeforeUnload(hook);
            this.remote = remote;
            this.current = remote;
            this.log.info("Engine: remote (an OpenAI-compatible inference server)");
            // Release the local model, if one was loaded (its state is no longer reported).
            this.local.configure({...settings, modelPath: ""});
        } else if (settings.engine === "local" && this.current !== this.local) {
            const remote = this.remote;
            this.remote = undefined;
            this.current = this.local;
            this.log.info("Engine: local (node-llama-cpp in this process)");
            void remote?.dispose();
        }
        this.current.configure(settings);
    }

    whenReady(timeoutMs: number, token?: CancellationToken): Promise<ModelSession> {
        return this.current.whenReady(timeoutMs, token);
    }

    onBeforeUnload(hook: BeforeUnload) {
        this.hooks.push(hook);
        this.local.onBeforeUnload(hook);
        this.remote?.onBeforeUnload(hook);
    }

    systemInfo(settings: ServerSettings): Promise<SystemInfo> {
        return this.local.systemInfo(settings);
    }

    async dispose() {
        await this.remote?.dispose();
        await this.local.dispose();
    }
}
