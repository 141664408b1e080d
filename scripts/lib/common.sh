# shellcheck shell=bash
# Shared by scripts/start.sh, scripts/stop.sh and scripts/test.sh.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Installs npm dependencies when node_modules is missing or older than the lock file (a fresh clone,
# or a pull that changed them). `npm install` with the committed lock, not `npm ci`: the registry
# mirror this project is built with serves only this platform's optional native packages, so the
# lock has no entries for the others and `npm ci` rejects it as out of sync. Versions still come from
# the lock; --no-save keeps the working tree clean.
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies"
    npm install --no-audit --no-fund --no-save --loglevel=error
  fi
}

# The dashboard's e2e test drives Debian's Chromium (no browser download: playwright-core only
# drives it), with a CJK font so its screenshot shows the Chinese labels. Installed once, as root,
# from Debian's packages.
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && [ -d /usr/share/fonts/truetype/wqy ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "chromium or a CJK font is missing and we are not root: sudo apt-get install chromium fonts-wqy-zenhei (or set CHROMIUM_PATH)" >&2
    return 1
  fi
  log "installing chromium via apt (first run only, for the dashboard's browser test)"
  mkdir -p .infra/logs
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei; } >.infra/logs/chromium-install.log 2>&1; then
    tail -20 .infra/logs/chromium-install.log >&2
    echo "apt-get install chromium failed" >&2
    return 1
  fi
}

# promtool (Debian's prometheus package) checks and unit-tests the alert rules in
# deploy/observability/ (deploy/observability/alerts.spec.ts). Installed once, as root. Only the tool is
# wanted: the package's daemon is kept from starting during the install (a temporary policy-rc.d, unless
# one already exists) and disabled afterwards, so nothing listens on :9090 or starts at boot.
ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "promtool is missing and we are not root: sudo apt-get install --no-install-recommends prometheus" >&2
    return 1
  fi
  log "installing promtool via apt (first run only, for the alert rule tests)"
  mkdir -p .infra/logs
  local own_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } \
    >.infra/logs/promtool-install.log 2>&1 || status=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ "$status" != 0 ] || ! command -v promtool >/dev/null 2>&1; then
    tail -20 .infra/logs/promtool-install.log >&2
    echo "apt-get install prometheus (for promtool) failed" >&2
    return 1
  fi
  # The package enables its service (systemd unit and/or init script): stop and disable it.
  {
    if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service || true
    elif command -v systemctl >/dev/null 2>&1; then systemctl disable prometheus.service || true
    fi
    if [ -x /etc/init.d/prometheus ]; then
      invoke-rc.d prometheus stop || true
      update-rc.d prometheus disable || true
    fi
  } >>.infra/logs/promtool-install.log 2>&1
}

# schemathesis (from PyPI, pinned) in its own virtualenv under .infra/, for the API fuzzing test.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv=.infra/schemathesis-venv
  if "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return 0; fi
  log "installing schemathesis $SCHEMATHESIS_VERSION from PyPI (first run only, for the API fuzzing test)"
  mkdir -p .infra/logs
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"; } >.infra/logs/schemathesis-install.log 2>&1; then
    tail -20 .infra/logs/schemathesis-install.log >&2
    echo "installing schemathesis failed (needs python3 with venv and PyPI)" >&2
    return 1
  fi
}

# What both npm start and npm test need first: dependencies, infrastructure, a build.
prepare() {
  ensure_node_modules
  bash scripts/infra/up
  # shellcheck source=../infra/env.sh
  source scripts/infra/env.sh
  log "building the services"
  npm run --silent build
}
