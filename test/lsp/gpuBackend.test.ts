// GPU backends on demand (src/backend/, language-server/engine/local/backendResolver.ts), end to end on this machine:
// a loopback npm registry serves node-llama-cpp's real linux-x64 CPU backend tarball (standing in for CUDA or
// Vulkan, which this machine cannot run); the extension's fetcher downloads it with resume and integrity check
// into a "global storage" folder; a language server staged exactly as the .vsix ships, minus every backend
// binary, then loads the tiny model through that folder.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {BACKENDS_DIR_ENV} from "../../protocol/lsp";
import {fetchPackage, installedPackage} from "../../src/backend/npmRegistry";
import {ensureTinyModel} from "../support/codeServer";
import {TestLspClient} from "../support/lspClient";
import {LoopbackRegistry} from "../support/loopbackRegistry";
import {repoRoot} from "../support/paths";

// Plain JavaScript build scripts; esbuild bundles them into this test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const {cachedTarball, integrityOf} = require("../../scripts/package/prebuilt.mjs");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const {stageExtension} = require("../../scripts/package/stage.mjs");

const NAME = "@node-llama-cpp/linux-x64";

describe("GPU backend on demand (loopback registry, real backend tarball)", function () {
    this.timeout(300_000);
    if (process.platform !== "linux" || process.arch !== "x64") throw new Error("these tests use the linux-x64 backend");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gemma-backend-"));
    const stage = path.join(tmp, "extension");
    let version: string;
    let tarball: string;
    let registry: LoopbackRegistry;

    before(() => {
        ensureTinyModel(repoRoot);
        // The repository's dist/ (node esbuild.mjs) staged like the package, with no @node-llama-cpp/* at all.
        version = stageExtension({root: repoRoot, dir: stage, prebuilt: null});
        assert.equal(fs.existsSync(path.join(stage, "node_modules/@node-llama-cpp")), false);
        tarball = cachedTarball(NAME, version);
    });

    beforeEach(async () => {
        registry = await new LoopbackRegistry(NAME, version, tarball, integrityOf(tarball)).start();
    });

    afterEach(() => registry.stop());

    after(() => fs.rmSync(tmp, {recursive: true, force: true}));

    async function loadTinyModel(backendsDir?: string, serverPath = path.join(stage, "dist/server.js")) {
        const env = {...process.env};
        delete env[BACKENDS_DIR_ENV];
        if (backendsDir) env[BACKENDS_DIR_ENV] = backendsDir;
        const {client} = await TestLspClient.start({serverPath, env, settings: {gpu: "auto"}});
        try {
            return await client.waitForState((s) => s.status === "ready" || s.status === "error");
        } finally {
            await client.shutdown();
        }
    }

    it("the staged server has no backend of its own: the model cannot load", async () => {
        const state = await loadTinyModel(path.join(tmp, "empty-storage"));
        assert.equal(state.status, "error", state.message);
        assert.match(state.message, /NoBinaryFoundError/);
    });

    it("refuses a tarball that fails the registry's integrity, and keeps nothing of it", async () => {
        registry.integrity = integrityOf(path.join(repoRoot, "package.json")); // a valid sha512, of another file
        const root = path.join(tmp, "corrupt-storage");
        await assert.rejects(fetchPackage({registry: registry.origin, name: NAME, version, root}), /integrity check/);
        assert.equal(installedPackage(root, NAME, version), undefined);
        assert.deepEqual(fs.readdirSync(path.join(root, ".downloads")), [], "no partial file left to resume");
    });

    it("says why when the registry cannot be reached (offline)", async () => {
        const origin = registry.origin;
        await registry.stop();
        await assert.rejects(fetchPackage({registry: origin, name: NAME, version, root: path.join(tmp, "offline")}),
            /ECONNREFUSED/);
        registry = await new LoopbackRegistry(NAME, version, tarball, integrityOf(tarball)).start(); // for afterEach
    });

    it("resumes a broken download, verifies it, and the server loads the model through it", async () => {
        const root = path.join(tmp, "global-storage", "backends");
        const size = fs.statSync(tarball).size;
        registry.cutNextAfter = Math.floor(size / 3);
        await assert.rejects(fetchPackage({registry: registry.origin, name: NAME, version, root}), /broke off/);
        // What arrived before the break (the last chunk in flight may be lost with the connection).
        const [partial] = fs.readdirSync(path.join(root, ".downloads"));
        const kept = fs.statSync(path.join(root, ".downloads", partial)).size;
        assert.ok(kept > 0 && kept <= Math.floor(size / 3), `kept ${kept} bytes`);

        const progress: number[] = [];
        const fetchStarted = performance.now();
        const dir = await fetchPackage({registry: registry.origin, name: NAME, version, root,
            onProgress: (received, total) => {
                assert.equal(total, size);
                progress.push(received);
            }});
        const fetchMs = performance.now() - fetchStarted;
        assert.deepEqual(registry.tarballRequests.map((r) => r.range), [undefined, `bytes=${kept}-`]);
        assert.equal(registry.tarballRequests[1].bytesSent, size - kept, "only the rest was sent again");
        assert.equal(progress[0], kept);
        assert.equal(progress.at(-1), size);
        assert.ok(fs.existsSync(path.join(dir, "bins/linux-x64/llama-addon.node")));

        const loadStarted = performance.now();
        const state = await loadTinyModel(root);
        const loadMs = performance.now() - loadStarted;
        assert.equal(state.status, "ready", state.message);
        assert.equal(state.backend, "cpu");
        // Baseline, same run: the repository's server, whose backend npm installed next to node-llama-cpp.
        const baseStarted = performance.now();
        assert.equal((await loadTinyModel(undefined, path.join(repoRoot, "dist/server.js"))).status, "ready");
        const baseMs = performance.now() - baseStarted;
        console.log(`      backend tarball ${(size / 1e6).toFixed(1)} MB: fetch (resumed from 1/3) + verify + unpack ${fetchMs.toFixed(0)} ms; `
            + `server start + tiny model load through it ${loadMs.toFixed(0)} ms vs ${baseMs.toFixed(0)} ms with the backend `
            + `in node_modules (ratio ${(loadMs / baseMs).toFixed(2)}; 2-core VM, loopback)`);
    });
});
