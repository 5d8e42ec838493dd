// Two windows of one code-server (two workbench pages, so two extension hosts) share one language-server
// process: the status bar of each says so, and exactly one server process runs, the shared host.
//   npx mocha out/test/ui/sharedHost.test.js
import assert from "node:assert/strict";
import {execFileSync} from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type {Page} from "playwright-core";
import {repoRoot, workbenchUrl} from "../support/codeServer";
import {processGone} from "../support/hostClient";
import {startWorkbench} from "../support/workbench";

const root = repoRoot();

/** Gemma Code servers whose command line names this test's host directory or workspace (ps, not our children). */
function serversOf(marker: string): {pid: number; args: string}[] {
    return execFileSync("ps", ["-eo", "pid=,args="], {encoding: "utf8"}).split("\n")
        .filter((l) => l.includes("dist/server.js") && l.includes(marker))
        .map((l) => ({pid: Number(l.trim().split(/\s+/)[0]), args: l.trim()}));
}

describe("two VS Code windows share one server", function () {
    this.timeout(300_000);
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-host-ui-"));
    const ui = startWorkbench({artifactsPrefix: "shared-host", env: {GEMMA_CODE_HOST_DIR: hostDir},
        extensionEnvironment: {GEMMA_CODE_HOST_DIR: hostDir}});
    let second: Page | undefined;

    before(async function () {
        second = await ui.wb.context.newPage();
        // The second window loads while the first one starts its extension host: slow on a loaded 2-core machine.
        await second.goto(workbenchUrl(ui.server, ui.dev), {timeout: 120_000});
    });

    after(async function () {
        // startWorkbench's after() has closed the windows and code-server. The host is detached: it would outlive
        // code-server for its idle time. Nothing of this test may stay.
        for (const {pid} of serversOf(hostDir)) {
            process.kill(pid, "SIGKILL");
            await processGone(pid, 10_000);
        }
        fs.rmSync(hostDir, {recursive: true, force: true});
    });

    it("both status bars say 'shared with 2 windows' and one server process serves them", async function () {
        for (const page of [ui.page, second!]) {
            await page.locator(".part.statusbar", {hasText: "shared with 2 windows"}).waitFor({timeout: 180_000});
        }
        const hosts = serversOf(hostDir);
        assert.equal(hosts.length, 1, `one server process: ${JSON.stringify(hosts)}`);
        assert.ok(hosts[0].args.includes("--listen"), "it is the shared host");
        const lock = fs.readdirSync(hostDir).find((f) => f.endsWith(".lock"));
        assert.equal((JSON.parse(fs.readFileSync(path.join(hostDir, lock!), "utf8")) as {pid: number}).pid, hosts[0].pid);
        // A window-owned server would be a child of an extension host with --node-ipc: none for this workspace's windows.
        assert.equal(serversOf("--node-ipc").filter((s) => s.args.includes(root)).length, 0, "no per-window server");
    });
});
