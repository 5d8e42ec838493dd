#!/usr/bin/env bash
# One-command GPU benchmark of Gemma Code on an offline machine with no Node.js (issue #7).
#
#   bash bench/gpu/run.sh [--cpu] [--payload DIR] [--work DIR] [--jobs N] [--cuda-arch NN] [--prepare-only] [--quick]
#
# Needs the payload made by bench/gpu/pack.sh (default: bench/gpu/.payload next to this script, or this script's
# own folder when it is run from inside a payload). Needs tar, gzip, xz or python3, cmake, ninja, a C/C++ compiler;
# with CUDA (the default) also nvcc, cuBLAS and an NVIDIA GPU. Nothing is downloaded.
#
#  1. unpacks Node.js, the app, node_modules and llama.cpp's source into the work folder;
#  2. builds node-llama-cpp's addon (llama-addon) and llama.cpp's llama-bench from that source with cmake + Ninja
#     (CUDA for this GPU's architecture; --cpu: a portable CPU build) and installs the addon and its libraries
#     where node-llama-cpp looks for prebuilt binaries (@node-llama-cpp/linux-x64-cuda, or linux-x64 with --cpu);
#     meanwhile generates the models: Gemma 2 9B's shapes and Gemma 2 2B's (the draft model, same tokenizer), Q4_0,
#     random weights (--cpu: the tiny test model, which also drafts for itself);
#  3. llama-bench (flash attention on): pp512, pp2048, tg128, and tg128 at depth 2048 — the baseline;
#  4. the language server over LSP: decode tokens/s and time to first token after a ~2k-token prompt
#     (out/bench/gpu/decode-bench.js); speculative decoding's costs with the 2B drafting for the 9B, on node-llama-cpp
#     directly (out/bench/speculative.js); then the keystroke replay (out/bench/run-bench.js);
#  5. prints a table last and writes JSON: summary.json and the raw results, in $OUT if set, else
#     bench/gpu/.results (next to the payload), with every step's log under logs/.
# Steps already done in the same work folder (unpacked payload, build, model) are reused, so a second call on a
# machine that is still warm starts at the benchmarks. --prepare-only stops after step 2.
set -euo pipefail
START_TIME=$(date +%s)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODE=cuda PAYLOAD="" WORK="" JOBS="" CUDA_ARCH="" PREPARE_ONLY=0 QUICK=0
usage() { sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "run.sh: error: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) MODE=cpu ;;
        --payload) PAYLOAD=${2:?--payload needs a folder}; shift ;;
        --work) WORK=${2:?--work needs a folder}; shift ;;
        --jobs|-j) JOBS=${2:?--jobs needs a number}; shift ;;
        --cuda-arch) CUDA_ARCH=${2:?--cuda-arch needs e.g. 90}; shift ;;
        --prepare-only) PREPARE_ONLY=1 ;;
        --quick) QUICK=1 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done

if [ -z "$PAYLOAD" ]; then
    if [ -f "$HERE/app.tgz" ]; then PAYLOAD=$HERE; else PAYLOAD=$HERE/.payload; fi
fi
[ -d "$PAYLOAD" ] || die "no payload folder $PAYLOAD: run bash bench/gpu/pack.sh on a machine with Node and npm, then bring bench/gpu/.payload along"
PAYLOAD=$(cd "$PAYLOAD" && pwd)
for f in node.tar.xz app.tgz node_modules.tgz llama.cpp.tgz MANIFEST.txt; do
    [ -s "$PAYLOAD/$f" ] || die "payload $PAYLOAD lacks $f: pack it again with bench/gpu/pack.sh"
done
BASE=$(dirname "$PAYLOAD")
WORK=${WORK:-$BASE/.work}
RESULTS=${OUT:-$BASE/.results}
mkdir -p "$WORK" "$RESULTS/logs"
WORK=$(cd "$WORK" && pwd) RESULTS=$(cd "$RESULTS" && pwd)
LOGS=$RESULTS/logs
JOBS=${JOBS:-$(nproc)}

if [ "$MODE" = cuda ]; then
    PKG=linux-x64-cuda PRESET=gemma2-9b DRAFT_PRESET=gemma2-2b GPU_OPT=cuda NLC_GPU='"cuda"' MIN_FREE_GB=11
else
    PKG=linux-x64 PRESET=tiny DRAFT_PRESET=tiny GPU_OPT=cpu NLC_GPU=false MIN_FREE_GB=2
fi
MODEL=$WORK/models/$PRESET.gguf
DRAFT_MODEL=$WORK/models/$DRAFT_PRESET.gguf
APP=$WORK/app
NODE_HOME=$WORK/node
BUILD=$WORK/build-$MODE
BINS=$APP/node_modules/@node-llama-cpp/$PKG/bins/$PKG

# ---- bookkeeping: per-step timings (written as they happen, so a run cut short still reports them) ----
declare -A T=()
ORDER=()
timing() {
    T[$1]=$2
    ORDER+=("$1")
    { echo "{"; local i=0 k; for k in "${ORDER[@]}"; do
        i=$((i + 1)); printf '  "%s": %s%s\n' "$k" "${T[$k]}" "$([ $i -lt ${#ORDER[@]} ] && echo ,)"; done; echo "}"; } > "$RESULTS/timings.json"
}
CURRENT=""
# Model generators running in the background, by step name: "model" and "draft-model" (the draft, when it is another
# preset); declared here for on_exit.
declare -A GEN_PIDS=() GEN_FILES=() GEN_T0=()
# The console, kept aside: a step that fails exits the script with its log redirection still in place.
exec 3>&1 4>&2
on_exit() {
    local rc=$?
    exec 1>&3 2>&4
    local pid
    for pid in "${GEN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ $rc -ne 0 ] && [ -n "$CURRENT" ]; then
        echo >&2
        echo "run.sh: step '$CURRENT' failed (exit $rc); last lines of $LOGS/$CURRENT.log:" >&2
        tail -n 40 "$LOGS/$CURRENT.log" 2>/dev/null | sed 's/^/  | /' >&2 || true
    fi
}
trap on_exit EXIT
# step NAME CMD...: runs CMD with its output in logs/NAME.log; step_live also shows it as it comes.
step() {
    local name=$1; shift
    CURRENT=$name
    local t0; t0=$(date +%s)
    echo "[$(date +%H:%M:%S)] $name ..."
    "$@" > "$LOGS/$name.log" 2>&1
    timing "$name" $(( $(date +%s) - t0 ))
    echo "[$(date +%H:%M:%S)] $name done in ${T[$name]} s"
    CURRENT=""
}
step_live() {
    local name=$1; shift
    CURRENT=$name
    local t0; t0=$(date +%s)
    echo "[$(date +%H:%M:%S)] $name ..."
    "$@" 2>&1 | tee "$LOGS/$name.log"
    timing "$name" $(( $(date +%s) - t0 ))
    echo "[$(date +%H:%M:%S)] $name done in ${T[$name]} s"
    CURRENT=""
}

# ---- 0. preflight: fail before anything slow ----
for c in tar gzip cmake ninja; do command -v "$c" >/dev/null || die "$c is not on PATH"; done
command -v c++ >/dev/null || command -v g++ >/dev/null || command -v clang++ >/dev/null || die "no C++ compiler (c++, g++ or clang++) on PATH"
command -v xz >/dev/null || command -v python3 >/dev/null || die "neither xz nor python3 is available to unpack node.tar.xz"
free_gb=$(df -Pk "$WORK" | awk 'NR==2{print int($4/1048576)}')
[ "$free_gb" -ge "$MIN_FREE_GB" ] || { [ -s "$MODEL" ] && [ -s "$DRAFT_MODEL" ]; } \
    || die "only ${free_gb} GB free under $WORK; the $PRESET and $DRAFT_PRESET models and the build need ~$MIN_FREE_GB GB"
CMAKE_GPU=(-DGGML_CUDA=OFF -DGGML_NATIVE=OFF)
if [ "$MODE" = cuda ]; then
    if ! command -v nvcc >/dev/null; then
        for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
            if [ -x "$d/nvcc" ]; then export PATH="$PATH:$d"; break; fi
        done
    fi
    command -v nvcc >/dev/null || die "nvcc not found (looked on PATH and in /usr/local/cuda*/bin); use --cpu for a CPU-only rehearsal"
    command -v nvidia-smi >/dev/null || die "nvidia-smi not found: is there an NVIDIA driver?"
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader > "$RESULTS/gpu.txt" 2>&1 \
        || die "nvidia-smi sees no GPU: $(cat "$RESULTS/gpu.txt")"
    if [ -z "$CUDA_ARCH" ]; then
        CUDA_ARCH=$(head -n1 "$RESULTS/gpu.txt" | awk -F', ' '{gsub(/\./, "", $4); print $4}')
        [[ "$CUDA_ARCH" =~ ^[0-9]+$ ]] || CUDA_ARCH=90
    fi
    CUDA_ROOT=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
    compgen -G "$CUDA_ROOT/lib64/libcublas.so*" >/dev/null || compgen -G "$CUDA_ROOT/targets/*/lib/libcublas.so*" >/dev/null \
        || compgen -G "/usr/lib/x86_64-linux-gnu/libcublas.so*" >/dev/null || die "cuBLAS (libcublas.so) not found next to $CUDA_ROOT"
    # So node-llama-cpp's CUDA detection and the dynamic loader both see the toolkit's runtime libraries.
    export LD_LIBRARY_PATH="$(ls -d "$CUDA_ROOT"/targets/*/lib 2>/dev/null | head -n1):$CUDA_ROOT/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # ... and the driver's libcuda.so.1 / libnvidia-ml.so.1 wherever ldconfig knows them.
    for lib in libcuda.so.1 libnvidia-ml.so.1; do
        d=$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true; } \
            | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}' | xargs -r dirname)
        if [ -n "$d" ] && [[ ":$LD_LIBRARY_PATH:" != *":$d:"* ]]; then LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"; fi
    done
    export CUDA_PATH=${CUDA_PATH:-$CUDA_ROOT}
    CMAKE_GPU=(-DGGML_CUDA=ON -DGGML_NATIVE=ON "-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCH" "-DCMAKE_CUDA_COMPILER=$(command -v nvcc)")
    echo "GPU: $(head -n1 "$RESULTS/gpu.txt"); CUDA $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'), sm_$CUDA_ARCH"
fi
echo "mode: $MODE; payload: $PAYLOAD; work: $WORK; results: $RESULTS; $JOBS build jobs"
sed -n '2,6p' "$PAYLOAD/MANIFEST.txt" | sed 's/^/  /'

# ---- 1. unpack (node and llama.cpp only when they changed: their extraction is the slow part) ----
stamp_of() { sha256sum "$PAYLOAD/$1" | cut -c1-32; }
unpack() {
    if [ "$(cat "$NODE_HOME/.stamp" 2>/dev/null)" != "$(stamp_of node.tar.xz)" ]; then
        rm -rf "$NODE_HOME" && mkdir -p "$NODE_HOME"
        if command -v xz >/dev/null; then
            xz -dc "$PAYLOAD/node.tar.xz" | tar -xf - -C "$NODE_HOME"
        else
            python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$PAYLOAD/node.tar.xz" "$NODE_HOME"
        fi
        stamp_of node.tar.xz > "$NODE_HOME/.stamp"
    fi
    local llama_dir=$APP/node_modules/node-llama-cpp/llama/llama.cpp
    if [ "$(cat "$WORK/.stamp-app" 2>/dev/null)" != "$(stamp_of app.tgz)$(stamp_of node_modules.tgz)$(stamp_of llama.cpp.tgz)" ]; then
        rm -rf "$APP" && mkdir -p "$APP"
        tar -xzf "$PAYLOAD/node_modules.tgz" -C "$APP"
        tar -xzf "$PAYLOAD/app.tgz" -C "$APP"
        tar -xzf "$PAYLOAD/llama.cpp.tgz" -C "$APP/node_modules/node-llama-cpp/llama"
        echo "$(stamp_of app.tgz)$(stamp_of node_modules.tgz)$(stamp_of llama.cpp.tgz)" > "$WORK/.stamp-app"
    fi
    [ -f "$llama_dir/CMakeLists.txt" ] || { echo "llama.cpp source missing at $llama_dir"; return 1; }
    "$NODE_HOME/bin/node" --version
}
step unpack unpack
export PATH="$NODE_HOME/bin:$PATH"
node --version >/dev/null 2>&1 || die "the unpacked node ($NODE_HOME/bin/node) does not run here"
echo "node $(node --version) at $(command -v node)"

# ---- 2a. the models, generated in the background (in parallel) while the addon builds ----
generate_model() {
    local name=$1 preset=$2 file=$3
    if [ -s "$file" ]; then
        echo "reusing the $name $file"
        timing "$name-reused" 0
        return
    fi
    mkdir -p "$(dirname "$file")"
    rm -f "$file".tmp-*
    echo "[$(date +%H:%M:%S)] generating the $preset model in the background -> $file"
    GEN_T0[$name]=$(date +%s)
    node "$APP/scripts/make-gguf.mjs" --preset "$preset" --out "$file" > "$LOGS/$name.log" 2>&1 &
    GEN_PIDS[$name]=$!
    GEN_FILES[$name]=$file
}
generate_model model "$PRESET" "$MODEL"
if [ "$DRAFT_MODEL" != "$MODEL" ]; then generate_model draft-model "$DRAFT_PRESET" "$DRAFT_MODEL"; fi
# The generator writes its header (after building the vocabulary) within seconds; a vocabulary loop that never
# ends would otherwise hold the run for ever.
wait_for_models() {
    local name
    for name in model draft-model; do
        [ -n "${GEN_PIDS[$name]:-}" ] || continue
        CURRENT=$name
        local pid=${GEN_PIDS[$name]} file=${GEN_FILES[$name]} waited=0
        while kill -0 "$pid" 2>/dev/null; do
            if [ $waited -ge 120 ] && ! ls "$file".tmp-* "$file" >/dev/null 2>&1; then
                kill "$pid" 2>/dev/null || true
                echo "model generator wrote nothing in 120 s: scripts/make-gguf.mjs wrote no $file (see the lines above)" >> "$LOGS/$name.log"
                exit 1
            fi
            sleep 2; waited=$(( $(date +%s) - ${GEN_T0[$name]} ))
        done
        local rc=0
        wait "$pid" || rc=$?
        unset "GEN_PIDS[$name]"
        [ $rc = 0 ] && [ -s "$file" ] || exit 1
        timing "$name" $(( $(stat -c %Y "$file") - ${GEN_T0[$name]} ))   # its own duration, not the wait
        echo "[$(date +%H:%M:%S)] $name ready: $(tail -n1 "$LOGS/$name.log")"
        CURRENT=""
    done
}

# ---- 2b. build llama-addon and llama-bench from the bundled source ----
CMAKE_ARGS=(
    -G Ninja -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_JS_INC=$NODE_HOME/include/node" -DNLC_CURRENT_PLATFORM=linux-x64 -DNLC_TARGET_PLATFORM=linux-x64
    "-DNLC_VARIANT=$MODE" "${CMAKE_GPU[@]}"
    -DLLAMA_CURL=OFF -DLLAMA_HTTPLIB=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_BORINGSSL=OFF -DGGML_METAL=OFF -DGGML_CCACHE=OFF
    -DGGML_BUILD_NUMBER=1 -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
    -DLLAMA_BUILD_APP=OFF
)
BUILD_STAMP="$(stamp_of llama.cpp.tgz) ${CMAKE_ARGS[*]}"
build() {
    local src=$APP/node_modules/node-llama-cpp/llama
    rm -rf "$BUILD"
    (cd "$src" && cmake -S . -B "$BUILD" "${CMAKE_ARGS[@]}")
    echo "$BUILD_STAMP" > "$BUILD/.stamp"
    nice -n 5 cmake --build "$BUILD" --target llama-addon llama-bench -j "$JOBS"
    touch "$BUILD/.built"
}
if [ "$(cat "$BUILD/.stamp" 2>/dev/null)" = "$BUILD_STAMP" ] && [ -f "$BUILD/.built" ]; then
    echo "reusing the build in $BUILD"
    timing build-reused 0
else
    step build build
fi

install_binaries() {
    local addon; addon=$(find "$BUILD" -name llama-addon.node -type f ! -path '*/CMakeFiles/*' | head -n1)
    [ -n "$addon" ] || { echo "llama-addon.node not found under $BUILD"; return 1; }
    mkdir -p "$BINS"
    find "$BINS" -mindepth 1 ! -name _nlcBuildMetadata.json -delete
    cp "$addon" "$BINS/"
    find "$BUILD" -name '*.so*' \( -type f -o -type l \) ! -path '*/CMakeFiles/*' -exec cp -P {} "$BINS/" \;
    # What node-llama-cpp reads to accept a prebuilt binary folder (compileLLamaCpp.js: getPrebuiltBinaryBuildMetadata).
    local release; release=$(node -p "require('$APP/node_modules/node-llama-cpp/llama/binariesGithubRelease.json').release")
    printf '{"buildOptions":{"customCmakeOptions":{},"progressLogs":true,"platform":"linux","platformInfo":{"name":"%s","version":"%s"},"arch":"x64","gpu":%s,"llamaCpp":{"repo":"ggml-org/llama.cpp","release":"%s"}}}\n' \
        "$(. /etc/os-release 2>/dev/null; echo "${NAME:-Linux}")" "$(. /etc/os-release 2>/dev/null; echo "${VERSION_ID:-}")" \
        "$NLC_GPU" "$release" > "$BINS/_nlcBuildMetadata.json"
    LLAMA_BENCH=$(find "$BUILD" -name llama-bench -type f -perm -u+x | head -n1)
    [ -n "$LLAMA_BENCH" ] || { echo "llama-bench not found under $BUILD"; return 1; }
    ls -la "$BINS"
    # node-llama-cpp must load exactly this binary, with no build and no download.
    node "$APP/bench/gpu/check-llama.mjs" "$MODE"
}
step install install_binaries
LLAMA_BENCH=$(find "$BUILD" -name llama-bench -type f -perm -u+x | head -n1)
grep -h "node-llama-cpp loads" "$LOGS/install.log" | sed 's/^/  /'

wait_for_models
if [ "$PREPARE_ONLY" = 1 ]; then
    echo "prepared in $(( $(date +%s) - START_TIME )) s; run again without --prepare-only for the benchmarks"
    exit 0
fi

# ---- 3. llama-bench: the baseline, on the same file ----
LB=("$LLAMA_BENCH" -m "$MODEL" -fa 1 -o json)
if [ "$MODE" = cuda ]; then LB+=(-ngl 99 -r 5); else LB+=(-ngl 0 -t "$(nproc)" -r 2); fi
llama_bench() {
    LD_LIBRARY_PATH="$BINS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${LB[@]}" -p 512,2048 -n 128 > "$RESULTS/llama-bench.json"
    LD_LIBRARY_PATH="$BINS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "${LB[@]}" -p 0 -n 128 -d 2048 > "$RESULTS/llama-bench-depth.json"
    node -e 'for (const f of process.argv.slice(1)) for (const r of JSON.parse(require("fs").readFileSync(f, "utf8")))
        console.log(`pp${r.n_prompt} tg${r.n_gen} d${r.n_depth}: ${r.avg_ts.toFixed(1)} ± ${r.stddev_ts.toFixed(1)} t/s`)' \
        "$RESULTS/llama-bench.json" "$RESULTS/llama-bench-depth.json"
}
step_live llama-bench llama_bench

# ---- 4. the language server over LSP ----
cd "$APP"
DECODE_ARGS=(--model "$MODEL" --gpu "$GPU_OPT" --prompt-tokens 2048 --out "$RESULTS/decode.json")
if [ "$MODE" = cuda ] && [ "$QUICK" = 0 ]; then DECODE_ARGS+=(--gen-tokens 128 --runs 3); else DECODE_ARGS+=(--gen-tokens 32 --runs 2); fi
step_live decode node out/bench/gpu/decode-bench.js "${DECODE_ARGS[@]}"
# Speculative decoding's costs (T, V(k), D) and end-to-end runs, on node-llama-cpp directly. On the CPU the tiny model
# drafts for itself, on one thread (two contexts spinning on two shared cores measure the scheduler, not the model).
SPEC_ARGS=(--model "$MODEL" --draft "$DRAFT_MODEL" --gpu "$GPU_OPT" --prompt-tokens 2048 --out "$RESULTS/speculative.json")
if [ "$MODE" = cpu ]; then SPEC_ARGS+=(--threads 1); fi
if [ "$MODE" = cpu ] || [ "$QUICK" = 1 ]; then SPEC_ARGS+=(--quick); fi
step_live speculative node out/bench/speculative.js "${SPEC_ARGS[@]}"
REPLAY_ARGS=(--model "$MODEL" --out "$RESULTS/replay.json")
if [ "$MODE" = cpu ] || [ "$QUICK" = 1 ]; then REPLAY_ARGS+=(--quick); fi
step_live replay node out/bench/run-bench.js "${REPLAY_ARGS[@]}"

# ---- 5. the table ----
timing total $(( $(date +%s) - START_TIME ))
node "$APP/bench/gpu/summarize.mjs" --dir "$RESULTS" --mode "$MODE" --model "$MODEL"
