// The server's logger. Everything goes to the client over LSP (window/logMessage), which VS Code shows in the
// one "Gemma Code" LogOutputChannel; stdout is the protocol channel, so nothing may be printed there.
import type {RemoteConsole} from "vscode-languageserver";

export interface Logger {
    error(message: string): void;
    warn(message: string): void;
    info(message: string): void;
    debug(message: string): void;
}

export interface ServerLogger extends Logger {
    /** Values that must never reach a log (the remote API key): replaced by "***" in every message. */
    setSecrets(secrets: string[]): void;
}

export function createLogger(console: RemoteConsole): ServerLogger {
    let secrets: string[] = [];
    const redact = (m: string) => redactSecrets(m, secrets);
    return {
        error: (m) => console.error(redact(m)),
        warn: (m) => console.warn(redact(m)),
        info: (m) => console.info(redact(m)),
        debug: (m) => console.log(redact(m)),
        setSecrets: (s) => (secrets = s.filter((x) => x.length > 0))
    };
}

export function redactSecrets(message: string, secrets: string[]): string {
    let out = String(message);
    for (const s of secrets) if (s) out = out.split(s).join("***");
    return out;
}
