#!/usr/bin/env bash
# `npm stop`: stops the services `npm start` started (graceful SIGTERM, then SIGKILL after 15 s).
source "$(dirname "$0")/lib/common.sh"
quiet=${1:-}
for pidfile in .infra/run/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null && grep -q "dist/services" "/proc/$pid/cmdline" 2>/dev/null; then
    [ "$quiet" = --quiet ] || log "stopping $(basename "$pidfile" .pid) ($pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done
