// The server's logger. Everything goes to the client over LSP (window/logMessage), which VS Code shows in the
// one "Gemma Code" LogOutputChannel; stdout is the protocol channel, so nothing may be printed there.
import type {RemoteConsole} from "vscode-languageserver";

export interface Logger {
    error(message: string): void;
    warn(message: string): void;
    info(message: string): void;
    debug(message: string): void;
}

export function createLogger(console: RemoteConsole): Logger {
    return {
        error: (m) => console.error(m),
        warn: (m) => console.warn(m),
        info: (m) => console.info(m),
        debug: (m) => console.log(m)
    };
}
