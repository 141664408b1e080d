# shellcheck shell=bash
# Shared by scripts/compose/validate and scripts/compose/smoke. Sourced, not executed.
#
# install_compose: builds Docker Compose $COMPOSE_VERSION from the Go module proxy into
# .infra/compose/bin/cmd (git-ignored; later runs reuse it). Needs Go >= 1.21.
# There is no registry for the compose binary here, only the Go module proxy.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COMPOSE_VERSION=v2.29.7
COMPOSE_MODULE=github.com/docker/compose/v2
COMPOSE_HOME="$REPO_ROOT/.infra/compose"
COMPOSE_BIN="$COMPOSE_HOME/bin/cmd" # `go install .../v2/cmd` names the binary after its folder

log() { printf '[compose] %s\n' "$*"; }
die() {
  printf '[compose] ERROR: %s\n' "$*" >&2
  exit 1
}

installed_version() {
  [[ -x "$COMPOSE_BIN" ]] && "$COMPOSE_BIN" version --short 2>/dev/null || true
}

install_compose() {
  if [[ "$(installed_version)" == "${COMPOSE_VERSION#v}" ]]; then return 0; fi
  command -v go >/dev/null || die "'go' (1.21+) is required to build Docker Compose $COMPOSE_VERSION"
  mkdir -p "$COMPOSE_HOME/bin" "$COMPOSE_HOME/logs"
  local buildlog="$COMPOSE_HOME/logs/build.log" moddir started=$SECONDS
  : >"$buildlog"
  log "building Docker Compose $COMPOSE_VERSION from the Go module proxy (first run only, a few minutes cold)"
  # GOTOOLCHAIN=local: never download another Go toolchain. The version is
  # stamped the way compose's Makefile does, so `cmd version` can be checked.
  # Build into a temp name and rename: an interrupted build is never reused.
  local ldflags="-s -w -X $COMPOSE_MODULE/internal.Version=$COMPOSE_VERSION"
  export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false"
  rm -rf "$COMPOSE_HOME/tmpbin" "$COMPOSE_HOME/src"
  if (cd "$COMPOSE_HOME" && GOBIN="$COMPOSE_HOME/tmpbin" go install -ldflags "$ldflags" "$COMPOSE_MODULE/cmd@$COMPOSE_VERSION") >>"$buildlog" 2>&1; then
    mv -f "$COMPOSE_HOME/tmpbin/cmd" "$COMPOSE_BIN"
  else
    # Some registry mirrors refuse what `go install pkg@version` asks for; downloading
    # the exact module version works there. The module cache is read-only: build from a copy.
    log "go install refused ($(tail -n 1 "$buildlog")); building from the downloaded module instead"
    moddir="$(cd "$COMPOSE_HOME" && go mod download -json "$COMPOSE_MODULE@$COMPOSE_VERSION" 2>>"$buildlog" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')" || true
    if [[ -z "$moddir" || ! -d "$moddir" ]]; then
      tail -n 20 "$buildlog" >&2
      die "could not download module $COMPOSE_MODULE@$COMPOSE_VERSION"
    fi
    cp -r "$moddir" "$COMPOSE_HOME/src"
    chmod -R u+w "$COMPOSE_HOME/src"
    if ! (cd "$COMPOSE_HOME/src" && GOFLAGS="-mod=mod -buildvcs=false" go build -ldflags "$ldflags" -o "$COMPOSE_BIN.tmp" ./cmd) >>"$buildlog" 2>&1; then
      tail -n 20 "$buildlog" >&2
      die "go build failed (log: $buildlog)"
    fi
    mv -f "$COMPOSE_BIN.tmp" "$COMPOSE_BIN"
    rm -rf "$COMPOSE_HOME/src"
  fi
  rm -rf "$COMPOSE_HOME/tmpbin"
  [[ "$(installed_version)" == "${COMPOSE_VERSION#v}" ]] ||
    die "built binary reports '$(installed_version)', expected ${COMPOSE_VERSION#v}"
  log "built $COMPOSE_BIN in $((SECONDS - started)) s"
}

