#!/usr/bin/env bash
# Installs and starts what the test suite talks to, idempotently, and exports where it is.
# Source it (`. tests/env/setup.sh`) so the exports reach `cargo test`; `tests/run` does.
#
# Everything listens on 127.0.0.1 only:
# - Docker Engine (Debian docker.io): dockerd on /var/run/docker.sock, started when nothing
#   answers there (no bridge, no iptables: builds run with network "none").
# - An OCI registry (Debian docker-registry) on 127.0.0.1:5000, with htpasswd auth for the user
#   `AWS` and the password moto's ECR hands out, storage under target/devenv/registry.
# - moto (PyPI moto[server]) on 127.0.0.1:5001: S3, ECR, STS, IAM, CloudFormation,
#   bedrock-agentcore-control, started through tests/env/moto_launcher.py, which registers the
#   AgentCore Runtime and RuntimeEndpoint as CloudFormation resources backed by that API.
# - arm64 emulation for RUN steps (Debian qemu-user-static, binfmt_misc), and two base images
#   made from Debian's arm64 packages, since no public image can be pulled here:
#   hangar-dev/busybox:arm64 (a shell for RUN steps) and hangar-dev/python:3.11 (python3.11
#   with its standard library; the docker_agent example builds on it through
#   HANGAR_EXAMPLE_BASE_IMAGE).
# - cfn-lint (PyPI), zip and unzip, apache2-utils for htpasswd, nodejs and npm when the machine
#   has no npm (Debian).
#
# State lives under target/devenv/ (`cargo clean` resets it; the next run rebuilds it).

set -euo pipefail

HANGAR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVENV="$HANGAR_ROOT/target/devenv"
mkdir -p "$DEVENV"

log() { printf '[setup] %s\n' "$*" >&2; }
# Stops the setup (sourced or run) with a message.
fail() {
    log "error: $*"
    return 1 2>/dev/null || exit 1
}

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
apt_install zip unzip docker.io docker-registry curl qemu-user-static binfmt-support apache2-utils
# Node.js code agents are vendored with npm (a machine may already have a Node.js of its own).
command -v npm >/dev/null 2>&1 || apt_install nodejs npm

# --- Python tools (pinned) -------------------------------------------------------------------
# uv: the tests vendor Python dependencies with it as with pip (offline, from local wheels).
PY_REQUIREMENTS="cfn-lint==1.58.0 moto[server]==5.2.5 uv==0.13.9"
VENV="$DEVENV/venv"
stamp="$VENV/.hangar-requirements"
if [[ ! -x "$VENV/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$PY_REQUIREMENTS" ]]; then
    log "installing $PY_REQUIREMENTS into $VENV"
    python3 -m venv "$VENV"
    # shellcheck disable=SC2086 # the requirements are words
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PY_REQUIREMENTS
    printf '%s' "$PY_REQUIREMENTS" > "$stamp"
fi
export HANGAR_CFN_LINT="$VENV/bin/cfn-lint"
export HANGAR_TEST_UV="$VENV/bin/uv"
# Each test chooses its artifact store; none is shared from the user's environment.
unset HANGAR_CACHE_DIR XDG_CACHE_HOME
"$HANGAR_CFN_LINT" --version >/dev/null

# Waits until `check` succeeds, or fails naming `what` and its log.
wait_for() {
    local what=$1 logfile=$2
    shift 2
    for _ in $(seq 1 100); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    log "$what did not come up; its log ($logfile):"
    tail -20 "$logfile" >&2 || true
    return 1
}

# --- Docker Engine -----------------------------------------------------------------------------
DOCKER_SOCKET=/var/run/docker.sock
if ! curl -sf --unix-socket "$DOCKER_SOCKET" http://localhost/_ping >/dev/null 2>&1; then
    log "starting dockerd"
    nohup dockerd --iptables=false --ip-masq=false --bridge=none --host "unix://$DOCKER_SOCKET" \
        > "$DEVENV/dockerd.log" 2>&1 &
    wait_for dockerd "$DEVENV/dockerd.log" curl -sf --unix-socket "$DOCKER_SOCKET" http://localhost/_ping
fi
export DOCKER_HOST="unix://$DOCKER_SOCKET"

# --- arm64: emulation and base images ----------------------------------------------------------
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    update-binfmts --enable qemu-aarch64 >&2
fi
have_image() { curl -sf --unix-socket "$DOCKER_SOCKET" "http://localhost/images/$1/json" >/dev/null 2>&1; }
# Makes the directory $2 the linux/arm64 image $1, built `FROM scratch` with BuildKit (an
# import would be labelled with the host's platform, and BuildKit would then look for the base
# image in a registry instead).
import_rootfs() {
    printf 'FROM scratch\nCOPY . /\n' > "$2/Dockerfile.hangar"
    printf 'Dockerfile.hangar\n.dockerignore\n' > "$2/.dockerignore"
    local out
    out=$(tar -C "$2" -c . | curl -s --unix-socket "$DOCKER_SOCKET" -X POST -H "Content-Type: application/x-tar" \
        --data-binary @- "http://localhost/build?version=2&platform=linux/arm64&t=$1&dockerfile=Dockerfile.hangar&networkmode=none")
    rm -f "$2/Dockerfile.hangar" "$2/.dockerignore"
    if grep -q '"error"' <<<"$out"; then
        log "$(grep -o '"error":"[^"]*' <<<"$out" | head -1)"
        return 1
    fi
}
BASE_DEBS=(busybox-static libc6 libpython3.11-minimal python3.11-minimal libpython3.11-stdlib zlib1g libexpat1
    libffi8)
if ! have_image hangar-dev/busybox:arm64 || ! have_image hangar-dev/python:3.11; then
    if ! dpkg --print-foreign-architectures | grep -qx arm64; then
        log "adding the arm64 architecture to apt (for base images)"
        dpkg --add-architecture arm64
        apt-get update -qq >&2
    fi
    DEBS="$DEVENV/debs-arm64"
    mkdir -p "$DEBS"
    (cd "$DEBS" && apt-get download -qq "${BASE_DEBS[@]/%/:arm64}" >&2) || fail "cannot download ${BASE_DEBS[*]} for arm64"
    ROOTFS="$DEVENV/rootfs-busybox"
    rm -rf "$ROOTFS" && mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp"
    dpkg-deb -x "$DEBS"/busybox-static_*_arm64.deb "$DEVENV/busybox-deb"
    cp "$DEVENV/busybox-deb/bin/busybox" "$ROOTFS/bin/busybox" || fail "busybox-static:arm64 has no bin/busybox"
    for applet in sh echo cat ls env printf test true false sleep mkdir; do ln -sf busybox "$ROOTFS/bin/$applet"; done
    import_rootfs hangar-dev/busybox:arm64 "$ROOTFS" || fail "cannot import hangar-dev/busybox:arm64"
    ROOTFS="$DEVENV/rootfs-python"
    rm -rf "$ROOTFS" && mkdir -p "$ROOTFS/tmp"
    for deb in "$DEBS"/*.deb; do dpkg-deb -x "$deb" "$ROOTFS"; done
    [[ -x "$ROOTFS/usr/bin/python3.11" ]] || fail "python3.11-minimal:arm64 has no usr/bin/python3.11"
    ln -sf python3.11 "$ROOTFS/usr/bin/python3"
    mkdir -p "$ROOTFS/bin" && cp "$DEVENV/busybox-deb/bin/busybox" "$ROOTFS/bin/busybox" && ln -sf busybox "$ROOTFS/bin/sh"
    import_rootfs hangar-dev/python:3.11 "$ROOTFS" || fail "cannot import hangar-dev/python:3.11"
    log "imported hangar-dev/busybox:arm64 and hangar-dev/python:3.11"
fi
export HANGAR_EXAMPLE_BASE_IMAGE=hangar-dev/python:3.11

# --- OCI registry ------------------------------------------------------------------------------
REGISTRY_DIR="$DEVENV/registry"
mkdir -p "$REGISTRY_DIR/data"
# moto's ECR token is "AWS:<account>-auth-token"; the registry accepts exactly that.
# (bcrypt, by apache2-utils' htpasswd: Python's `crypt` module is gone from Python 3.13.)
if [[ ! -s "$REGISTRY_DIR/htpasswd" ]]; then
    htpasswd -Bbc "$REGISTRY_DIR/htpasswd" AWS 123456789012-auth-token 2>/dev/null
fi
cat > "$REGISTRY_DIR/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
  relativeurls: true
auth:
  htpasswd:
    realm: hangar-tests
    path: $REGISTRY_DIR/htpasswd
YAML
if ! curl -s -o /dev/null http://127.0.0.1:5000/v2/ 2>/dev/null; then
    log "starting docker-registry on 127.0.0.1:5000"
    nohup docker-registry serve "$REGISTRY_DIR/config.yml" > "$DEVENV/registry.log" 2>&1 &
    wait_for docker-registry "$DEVENV/registry.log" curl -s -o /dev/null http://127.0.0.1:5000/v2/
fi
export HANGAR_TEST_REGISTRY=127.0.0.1:5000

# --- moto ---------------------------------------------------------------------------------------
# Through tests/env/moto_launcher.py, which adds AgentCore runtimes to moto's CloudFormation.
# A moto started otherwise, or from another version of the launcher, is replaced.
LAUNCHER="$HANGAR_ROOT/tests/env/moto_launcher.py"
launcher_stamp="$(sha256sum "$LAUNCHER" | cut -c1-16)"
MOTO_PID="$DEVENV/moto.pid"
running_stamp="$(cat "$DEVENV/moto.stamp" 2>/dev/null || true)"
if curl -sf http://127.0.0.1:5001/moto-api/ >/dev/null 2>&1 && [[ "$running_stamp" != "$launcher_stamp" ]]; then
    log "replacing the moto on 127.0.0.1:5001 (not this launcher)"
    [[ -s "$MOTO_PID" ]] && kill "$(cat "$MOTO_PID")" 2>/dev/null || true
    pkill -f "moto_server -H 127.0.0.1 -p 5001" 2>/dev/null || true
    pkill -f "moto_launcher.py -H 127.0.0.1 -p 5001" 2>/dev/null || true
    for _ in $(seq 1 50); do curl -sf http://127.0.0.1:5001/moto-api/ >/dev/null 2>&1 || break; sleep 0.1; done
fi
if ! curl -sf http://127.0.0.1:5001/moto-api/ >/dev/null 2>&1; then
    log "starting moto (tests/env/moto_launcher.py) on 127.0.0.1:5001"
    nohup "$VENV/bin/python" "$LAUNCHER" -H 127.0.0.1 -p 5001 > "$DEVENV/moto.log" 2>&1 &
    echo $! > "$MOTO_PID"
    printf '%s' "$launcher_stamp" > "$DEVENV/moto.stamp"
    wait_for moto "$DEVENV/moto.log" curl -sf http://127.0.0.1:5001/moto-api/
fi
export HANGAR_TEST_AWS_ENDPOINT=http://127.0.0.1:5001
# Every AWS client of the tests (and of commands run after sourcing this) talks to moto, never
# to AWS: the SDK's own variables, with moto's test credentials.
export AWS_ENDPOINT_URL=http://127.0.0.1:5001 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing \
    AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
export HANGAR_REGISTRY=127.0.0.1:5000
