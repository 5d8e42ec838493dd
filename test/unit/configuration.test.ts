// One configuration source: package.json's contributes.configuration declares every setting and its default, and
// protocol/configuration.ts says who reads each one; nothing else declares a default (the server's defaults are built
// from package.json, the extension gets them from VS Code).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {CLIENT_SETTING_KEYS, contributedDefault, defaultServerSettings, RESTART_SETTING_KEYS, SECTION, SERVER_SETTING_KEYS}
    from "../../protocol/configuration";
import {repoRoot} from "../support/paths";

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
const contributed = Object.keys(manifest.contributes.configuration.properties as object);

function leaves(o: object, prefix = ""): [string, unknown][] {
    return Object.entries(o).flatMap(([k, v]) => v && typeof v === "object" && !Array.isArray(v)
        ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]);
}

describe("configuration: one source of defaults", () => {
    it("lists every contributed setting once, as read by the server or by the extension", () => {
        const listed = [...SERVER_SETTING_KEYS, ...CLIENT_SETTING_KEYS].map((k) => `${SECTION}.${k}`);
        assert.deepEqual([...contributed].sort(), [...listed].sort());
        for (const key of RESTART_SETTING_KEYS) assert.ok(listed.includes(`${SECTION}.${key}`), key);
    });

    it("builds the server's defaults from package.json, every value present", () => {
        const values = new Map(leaves(defaultServerSettings));
        // responseLanguage's "auto" is the editor's display language, which only the client resolves: the server's is English.
        for (const key of SERVER_SETTING_KEYS) {
            assert.deepEqual(values.get(key), key === "responseLanguage" ? "" : contributedDefault(key), key);
        }
        assert.deepEqual([...values].filter(([, v]) => v === undefined), []);
    });

    it("declares no default in src/ (VS Code's get() gives package.json's)", () => {
        const offenders: string[] = [];
        const walk = (dir: string) => {
            for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) walk(file);
                else if (file.endsWith(".ts")) {
                    const text = fs.readFileSync(file, "utf8");
                    // getConfiguration(...).get("key", default): a second argument re-declares the default.
                    for (const m of text.matchAll(/\.get(?:<[^(]*>)?\(\s*["'`]([\w.]+)["'`]\s*,/g)) {
                        if (contributed.includes(`${SECTION}.${m[1]}`)) offenders.push(`${path.relative(repoRoot, file)}: ${m[0]}`);
                    }
                }
            }
        };
        walk(path.join(repoRoot, "src"));
        assert.deepEqual(offenders, []);
    });
});
