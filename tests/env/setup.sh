#!/usr/bin/env bash
# Installs and starts what the test suite talks to, idempotently, and exports where it is.
# Source it (`. tests/env/setup.sh`) so the exports reach `cargo test`; `tests/run` does.
#
# - cfn-lint from PyPI, in a venv the project controls: target/devenv/venv.
# - unzip (tests check archives with it) and zip (the Info-ZIP benchmark), from Debian.
#
# Everything lives under target/devenv/, so `cargo clean` resets it and the next run rebuilds it.

set -euo pipefail

HANGAR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVENV="$HANGAR_ROOT/target/devenv"
mkdir -p "$DEVENV"

log() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages ---------------------------------------------------------------------------
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        log "installing ${missing[*]} (apt)"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
    fi
}
apt_install zip unzip

# --- Python tools (pinned) -------------------------------------------------------------------
PY_REQUIREMENTS="cfn-lint==1.58.0"
VENV="$DEVENV/venv"
stamp="$VENV/.hangar-requirements"
if [[ ! -x "$VENV/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$PY_REQUIREMENTS" ]]; then
    log "installing $PY_REQUIREMENTS into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PY_REQUIREMENTS
    printf '%s' "$PY_REQUIREMENTS" > "$stamp"
fi
export HANGAR_CFN_LINT="$VENV/bin/cfn-lint"
"$HANGAR_CFN_LINT" --version >/dev/null
