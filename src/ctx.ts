// The client's composition root (after rust-analyzer's editors/code/src/ctx.ts): it holds what every feature needs
// (the extension context, the one log, the language client) and owns the commands. A command that talks to the
// language server is registered as a factory: while the server runs, its `enabled` handler is registered; while it
// does not, its `disabled` one (by default: say so, offer the log). The context key SERVER_RUNNING_KEY follows the
// same state, so menus and the palette hide such commands (package.json when-clauses). No command checks the
// server itself. VS Code reaches this module through CommandHost only (extension.ts passes vscodeCommandHost), so
// the unit tests drive it without VS Code.
import type * as vscode from "vscode";
import type {GemmaClient} from "./client";

// The handler's arguments come from VS Code (menus, keybindings, executeCommand): each command checks their shape.
export type Cmd = (...args: any[]) => unknown;

export interface CommandFactory {
    /** The handler while the language server runs. */
    enabled: (ctx: Ctx) => Cmd;
    /** The handler while it does not (default: a message that it is not running). */
    disabled?: (ctx: Ctx) => Cmd;
}

/** Context key: true while the language server runs (for when-clauses of commands that need it). */
export const SERVER_RUNNING_KEY = "gemmaCode.serverRunning";

/** What Ctx needs from VS Code. */
export interface CommandHost {
    registerCommand(id: string, handler: Cmd): {dispose(): void};
    setContext(key: string, value: boolean): void;
    /** The default `disabled` handler's message. */
    showNotRunning(log: vscode.LogOutputChannel): void;
}

/** A command that works with or without the server. */
export function always(handler: (ctx: Ctx) => Cmd): CommandFactory {
    return {enabled: handler, disabled: handler};
}

export class Ctx implements vscode.Disposable {
    private readonly factories = new Map<string, CommandFactory>();
    private readonly registered = new Map<string, {dispose(): void}>();
    private running = false;
    private disposed = false;

    constructor(readonly extension: vscode.ExtensionContext, readonly log: vscode.LogOutputChannel, readonly client: GemmaClient,
                private readonly host: CommandHost) {
        host.setContext(SERVER_RUNNING_KEY, false);
    }

    get serverRunning() {
        return this.running;
    }

    /** Registers each command with the handler for the server's current state. */
    registerCommands(commands: Record<string, CommandFactory>) {
        for (const [id, factory] of Object.entries(commands)) {
            if (this.factories.has(id)) throw new Error(`command ${id} registered twice`); // l10n-ignore: a programming error, never shown
            this.factories.set(id, factory);
            this.register(id, factory);
        }
    }

    /** Called by the client whenever the language server starts or stops: swaps every command's handler. */
    setServerRunning(running: boolean) {
        if (running === this.running || this.disposed) return;
        this.running = running;
        // Before the context key: a command run the moment the server is up already gets its enabled handler.
        for (const [id, factory] of this.factories) this.register(id, factory);
        this.host.setContext(SERVER_RUNNING_KEY, running);
    }

    private register(id: string, factory: CommandFactory) {
        this.registered.get(id)?.dispose();
        const handler = this.running ? factory.enabled(this) : (factory.disabled ?? ((ctx: Ctx) => () => ctx.host.showNotRunning(ctx.log)))(this);
        this.registered.set(id, this.host.registerCommand(id, handler));
    }

    dispose() {
        this.disposed = true;
        for (const d of this.registered.values()) d.dispose();
        this.registered.clear();
    }
}
