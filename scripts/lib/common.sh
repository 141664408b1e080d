# shellcheck shell=bash
# Shared by scripts/start.sh, scripts/stop.sh and scripts/test.sh.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# npm ci when node_modules is missing or older than the lock file (a fresh clone, or a pull that changed deps).
ensure_node_modules() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
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
