// dist/server.js: the shared host's modes (--listen, --connect: host/hostMain.ts), else the ordinary server
// (main.ts: --stdio, --node-ipc, --socket=N), loaded only then so that it parses no arguments meant for the host.
import {runHostMode} from "./host/hostMain";

// eslint-disable-next-line @typescript-eslint/no-require-imports
if (!runHostMode(process.argv)) require("./main");
