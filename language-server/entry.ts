// dist/server.js: the shared host's modes (--listen, --connect: host/hostMain.ts), else the ordinary server
// (main.ts: --stdio, --node-ipc, --socket=N), loaded only then so that it parses no arguments meant for the host.
import {runHostMode} from "./host/hostMain";
import {registerBackendResolver} from "./engine/local/backendResolver";

// Before anything imports node-llama-cpp (the ordinary server and the shared host alike): GPU backends fetched on
// demand are found in the backends folder.
registerBackendResolver();

// eslint-disable-next-line @typescript-eslint/no-require-imports
if (!runHostMode(process.argv)) require("./main");
