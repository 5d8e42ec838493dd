// The composition root (src/ctx.ts): a command that needs the language server has its enabled handler exactly while
// the server runs and its disabled one otherwise, and the context key for when-clauses follows.
import assert from "node:assert/strict";
import type * as vscode from "vscode";
import type {GemmaClient} from "../../src/client";
import {always, type Cmd, type CommandHost, Ctx, SERVER_RUNNING_KEY} from "../../src/ctx";

function fakeHost() {
    const commands = new Map<string, Cmd>();
    const context: boolean[] = [];
    let notRunning = 0;
    const host: CommandHost = {
        registerCommand: (id, handler) => {
            assert.ok(!commands.has(id), `${id} is registered once at a time`);
            commands.set(id, handler);
            return {dispose: () => commands.delete(id)};
        },
        setContext: (key, value) => {
            assert.equal(key, SERVER_RUNNING_KEY);
            context.push(value);
        },
        showNotRunning: () => void notRunning++
    };
    return {host, run: (id: string) => commands.get(id)!(), commands, context, notRunning: () => notRunning};
}

describe("client composition root (ctx)", () => {
    const make = () => {
        const fake = fakeHost();
        const ctx = new Ctx({} as vscode.ExtensionContext, {} as vscode.LogOutputChannel, {} as GemmaClient, fake.host);
        ctx.registerCommands({
            "gemmaCode.review": {enabled: () => () => "reviewed"},
            "gemmaCode.log": always(() => () => "log shown")
        });
        return {fake, ctx};
    };

    it("registers a server command disabled until the server runs, enabled while it runs, disabled after", () => {
        const {fake, ctx} = make();
        assert.equal(fake.run("gemmaCode.review"), undefined);
        assert.equal(fake.notRunning(), 1, "the default disabled handler says the server is not running");
        ctx.setServerRunning(true);
        assert.equal(fake.run("gemmaCode.review"), "reviewed");
        ctx.setServerRunning(false);
        assert.equal(fake.run("gemmaCode.review"), undefined);
        assert.equal(fake.notRunning(), 2);
        assert.deepEqual(fake.context, [false, true, false], "the context key follows");
    });

    it("keeps commands that need no server working in both states, and disposes every registration", () => {
        const {fake, ctx} = make();
        assert.equal(fake.run("gemmaCode.log"), "log shown");
        ctx.setServerRunning(true);
        assert.equal(fake.run("gemmaCode.log"), "log shown");
        ctx.dispose();
        assert.equal(fake.commands.size, 0);
        ctx.setServerRunning(false);
        assert.equal(fake.commands.size, 0, "nothing is registered again after dispose");
    });
});
