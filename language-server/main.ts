// Entry point of the Gemma Code language server: `node dist/server.js --stdio` (or --node-ipc / --socket=N, as
// vscode-languageserver parses them). Any LSP client can drive it; VS Code's is src/client.ts.
import {createConnection, ProposedFeatures} from "vscode-languageserver/node";
import {startServer} from "./server";

const connection = createConnection(ProposedFeatures.all);

const {log} = startServer(connection);

// A bug in a handler must not take the editor's assistant down: log it (secrets redacted) and keep serving.
process.on("uncaughtException", (error) => log.error(`Uncaught exception: ${error.stack ?? error}`));
process.on("unhandledRejection", (reason) => log.error(`Unhandled rejection: ${reason instanceof Error ? reason.stack : reason}`));
