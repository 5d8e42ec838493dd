#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` for the CPU from the llama.cpp source node-llama-cpp ships
# (node_modules/node-llama-cpp/llama/gitRelease.bundle), for the remote-engine tests.
# Cached outside the repository, keyed by the llama.cpp commit:
#   ${GEMMA_CODE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gemma-code}/llama-server-<commit>/bin/llama-server
# Idempotent: when the cached binary exists it returns at once. Prints the binary's path as the last line of stdout.
# Needs git, cmake and a C++ compiler; installs cmake/g++/git with apt-get when they are missing and we are root
# (or have password-less sudo).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$ROOT/node_modules/node-llama-cpp/llama/gitRelease.bundle"
CACHE="${GEMMA_CODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gemma-code}"

log() { echo "[build-llama-server] $*" >&2; }

if [[ -n "${LLAMA_SERVER_BIN:-}" ]]; then
    [[ -x "$LLAMA_SERVER_BIN" ]] || { log "LLAMA_SERVER_BIN=$LLAMA_SERVER_BIN is not an executable"; exit 1; }
    echo "$LLAMA_SERVER_BIN"
    exit 0
fi
[[ -f "$BUNDLE" ]] || { log "missing $BUNDLE (run npm ci)"; exit 1; }

need=()
for tool in git cmake g++ make; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
    pkgs=()
    for tool in "${need[@]}"; do
        case $tool in g++) pkgs+=(g++) ;; make) pkgs+=(make) ;; *) pkgs+=("$tool") ;; esac
    done
    SUDO=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
            log "missing ${need[*]}; install them (apt-get install ${pkgs[*]}) and run again"; exit 1
        fi
    fi
    log "installing ${pkgs[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${pkgs[@]}" >&2 \
        || { "${SUDO[@]}" apt-get update >&2 && "${SUDO[@]}" apt-get install -y --no-install-recommends "${pkgs[@]}" >&2; }
fi

COMMIT=$(git bundle list-heads "$BUNDLE" | awk 'NR==1{print $1}')
[[ "$COMMIT" =~ ^[0-9a-f]{40}$ ]] || { log "cannot read the commit of $BUNDLE"; exit 1; }
DEST="$CACHE/llama-server-$COMMIT"
BIN="$DEST/bin/llama-server"
if [[ -x "$BIN" ]]; then
    log "cached: $BIN"
    echo "$BIN"
    exit 0
fi

mkdir -p "$CACHE"
# One build at a time (CI steps or parallel test runs may start it twice).
exec 9>"$CACHE/.llama-server.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi

WORK="$CACHE/.build-llama-server-$COMMIT"
START=$SECONDS
if [[ ! -d "$WORK/src/.git" ]]; then
    rm -rf "$WORK"
    mkdir -p "$WORK"
    log "cloning llama.cpp $COMMIT from the node-llama-cpp bundle"
    git -c advice.detachedHead=false clone -q "$BUNDLE" "$WORK/src" >&2
    git -C "$WORK/src" -c advice.detachedHead=false checkout -q "$COMMIT"
fi

# Only pass options this llama.cpp version knows (they are renamed or dropped between versions).
known() { grep -rqs "option($1 " "$WORK/src/CMakeLists.txt" "$WORK/src/ggml/CMakeLists.txt"; }
FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF)
for kv in GGML_NATIVE=OFF LLAMA_CURL=OFF LLAMA_OPENSSL=OFF LLAMA_BUILD_TESTS=OFF LLAMA_BUILD_EXAMPLES=OFF \
          LLAMA_BUILD_APP=OFF LLAMA_BUILD_UI=OFF LLAMA_USE_PREBUILT_UI=OFF LLAMA_LLGUIDANCE=OFF; do
    if known "${kv%%=*}"; then FLAGS+=("-D$kv"); fi
done
GEN=()
if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
JOBS=$(nproc 2>/dev/null || echo 2)

log "configuring: ${FLAGS[*]}"
cmake -S "$WORK/src" -B "$WORK/build" "${GEN[@]}" "${FLAGS[@]}" >"$WORK/configure.log" 2>&1 \
    || { tail -40 "$WORK/configure.log" >&2; log "cmake configure failed (log: $WORK/configure.log)"; exit 1; }
log "building the llama-server target with $JOBS jobs (takes minutes on 2 cores)"
nice -n 10 cmake --build "$WORK/build" --target llama-server -j "$JOBS" >"$WORK/build.log" 2>&1 \
    || { tail -40 "$WORK/build.log" >&2; log "build failed (log: $WORK/build.log)"; exit 1; }

built=$(find "$WORK/build" -type f -name llama-server -perm -u+x | head -1)
[[ -n "$built" ]] || { log "build finished but no llama-server binary found"; exit 1; }
mkdir -p "$DEST.tmp/bin"
cp "$built" "$DEST.tmp/bin/llama-server"
printf '%s\n' "commit $COMMIT" "flags ${FLAGS[*]}" "built $(date -u +%FT%TZ) in $((SECONDS - START))s" >"$DEST.tmp/BUILD_INFO"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
rm -rf "$WORK"
log "built in $((SECONDS - START))s: $BIN"
echo "$BIN"
