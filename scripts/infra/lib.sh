# shellcheck shell=bash
# Shared helpers for scripts/infra/{up,down,status,purge}. Sourced, not executed.
#
# Design notes (the "why"):
# - Everything lives under <repo>/.infra (git-ignored) so a checkout is
#   self-contained and `rm -rf .infra` is a full reset.
# - Servers run as plain background processes with pid files, no Docker and
#   no systemd: dev machines and CI runners here have neither a Docker engine
#   nor internet beyond package registries.
# - Processes are started with setsid so Ctrl-C in the terminal (or npm
#   exiting) does not take the servers down with it.
# - We only ever signal pids recorded in our own pid files, and only after
#   checking the process still is what we started (pids get reused).

set -euo pipefail

INFRA_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_SCRIPTS/../.." && pwd)"
INFRA_HOME="$REPO_ROOT/.infra"

# Fixed, non-standard ports (a developer's own Kafka/Mongo/Redis keep theirs).
# The INFRA_*_PORT overrides exist only for the rare clash (or a second
# checkout); scripts/infra/env.sh honours them too. Don't set them casually.
KAFKA_PORT="${INFRA_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${INFRA_KAFKA_CONTROLLER_PORT:-19093}"
MONGO_PORT="${INFRA_MONGO_PORT:-27018}"
REDIS_PORT="${INFRA_REDIS_PORT:-6380}"

KAFKA_VERSION=3.9.1

KAFKA_HOME="$INFRA_HOME/kafka"
MONGO_HOME="$INFRA_HOME/mongo"
REDIS_HOME="$INFRA_HOME/redis"

# How long `up` waits for each server to answer before giving up.
START_TIMEOUT="${INFRA_START_TIMEOUT:-90}"

# ---------------------------------------------------------------- output

if [[ -t 1 ]]; then C_OK=$'\e[32m' C_WARN=$'\e[33m' C_ERR=$'\e[31m' C_OFF=$'\e[0m'; else C_OK='' C_WARN='' C_ERR='' C_OFF=''; fi
log() { printf '[infra] %s\n' "$*"; }
ok() { printf '[infra] %s%s%s\n' "$C_OK" "$*" "$C_OFF"; }
warn() { printf '[infra] %s%s%s\n' "$C_WARN" "$*" "$C_OFF" >&2; }
die() {
  printf '[infra] %sERROR: %s%s\n' "$C_ERR" "$*" "$C_OFF" >&2
  exit 1
}

# Print the end of a log file to stderr: the first thing anyone needs when a
# server fails to come up.
show_log_tail() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '-----\n' >&2
  else
    printf '(log %s is empty or missing)\n' "$file" >&2
  fi
}

# ---------------------------------------------------------------- processes

# True if TCP port on 127.0.0.1 accepts a connection (bash /dev/tcp: no nc needed).
port_open() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Who is listening on a port (for "port already in use" errors).
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1
}

# Pid from a pid file if that process is alive AND its command line contains
# $2 (guards against a recycled pid). Prints the pid, or fails.
# An empty command line is read again before it counts: a process shows one for
# a moment while it execs (the kernel has not set up its arguments yet) and while
# redis rewrites its title. Read in that moment, a server we had just started
# looked dead, and `up` failed with "exited during startup" (CI, 2026-12-07).
live_pid() {
  local pidfile="$1" pattern="$2" pid cmdline attempt
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  for ((attempt = 0; attempt < 10; attempt++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
    [[ -n "${cmdline// /}" ]] && break
    sleep 0.1
  done
  grep -qF -- "$pattern" <<<"$cmdline" || return 1
  echo "$pid"
}

# start_detached PIDFILE LOGFILE CMD...: run CMD in its own session, stdout and
# stderr appended to LOGFILE. The child writes its own pid before exec'ing, so
# the pid file always holds the server's real pid (not a wrapper's).
# `9>&-` closes the lock fd (see take_lock): otherwise the long-lived server
# would inherit it and hold the lock forever, blocking every later up/down.
start_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # A stale pid file (server killed by hand / reboot) must not be mistaken
  # for the new process below.
  rm -f "$pidfile"
  printf '\n===== %s starting: %s\n' "$(date -Is)" "$*" >>"$logfile"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  # Wait (briefly) for the pid file so callers can rely on it.
  local i
  for i in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "process did not start: $*"
}

# stop_pidfile NAME PIDFILE PATTERN GRACE_SECONDS [required]: SIGTERM, wait, then SIGKILL.
# Nothing to stop is fine (status 0), unless the 5th argument is `required`: then it is status
# NOT_RUNNING (3), so that `down <component>` can tell "stopped" from "was not running" (a test that
# stops a component to prove an outage must not pass against one that was never up).
NOT_RUNNING=3
stop_pidfile() {
  local name="$1" pidfile="$2" pattern="$3" grace="$4" required="${5:-}" pid i
  if ! pid="$(live_pid "$pidfile" "$pattern")"; then
    rm -f "$pidfile"
    if [[ "$required" == required ]]; then
      warn "$name: not running (nothing to stop)"
      return "$NOT_RUNNING"
    fi
    log "$name: not running"
    return 0
  fi
  log "$name: stopping pid $pid (SIGTERM, up to ${grace}s)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name: still alive after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$pidfile"
  ok "$name: stopped"
}

# wait_ready NAME PIDFILE PATTERN LOGFILE CHECK_FN: poll CHECK_FN until it
# succeeds; fail fast if the process dies, fail with the log tail on timeout.
wait_ready() {
  local name="$1" pidfile="$2" pattern="$3" logfile="$4" check="$5"
  local deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! live_pid "$pidfile" "$pattern" >/dev/null; then
      show_log_tail "$logfile"
      die "$name exited during startup (see $logfile)"
    fi
    if "$check" 2>/dev/null; then return 0; fi
    sleep 0.3
  done
  show_log_tail "$logfile"
  die "$name did not become ready within ${START_TIMEOUT}s (see $logfile; raise INFRA_START_TIMEOUT if the machine is just slow)"
}

# Refuse to start if something that is not ours already holds the port:
# otherwise `up` would "succeed" against a stranger's server.
ensure_port_free() {
  local name="$1" port="$2" env_hint="$3"
  if port_open "$port"; then
    die "$name: port 127.0.0.1:$port is already in use by another process ($(port_owner "$port" || true)).
        Stop it, or point the services at it with $env_hint=... to skip the local $name."
  fi
}

# Serialise concurrent up/down runs (e.g. two terminals, or parallel CI steps).
take_lock() {
  mkdir -p "$INFRA_HOME"
  exec 9>"$INFRA_HOME/.lock"
  flock -w 300 9 || die "another scripts/infra command holds $INFRA_HOME/.lock"
}

have_node() { command -v node >/dev/null 2>&1; }

# ---------------------------------------------------------------- per-component facts

KAFKA_PIDFILE="$KAFKA_HOME/kafka.pid"
KAFKA_PATTERN="kafka.Kafka $KAFKA_HOME/"
KAFKA_LOG="$KAFKA_HOME/logs/server.log" # log4j output ("Kafka Server started")
KAFKA_OUT="$KAFKA_HOME/logs/kafka.out"  # raw stdout/stderr (JVM crashes)
KAFKA_CREDENTIALS="$KAFKA_HOME/credentials.env" # the broker's passwords (see ensure_kafka_credentials)
KAFKA_SCRAM_MARKER="$KAFKA_HOME/data/scram-users" # the SCRAM users the metadata log holds
KAFKA_ACCESS="$REPO_ROOT/deploy/kafka/access.conf"

# The service principals deploy/kafka/access.conf grants anything to (intake, matching, ...).
kafka_principals() { awk '$1 == "allow" { print $2 }' "$KAFKA_ACCESS" | sort -u; }
# contract-tracking -> KAFKA_CONTRACT_TRACKING_PASSWORD (the names docker-compose.yml uses)
kafka_password_var() { local v="KAFKA_${1//-/_}_PASSWORD"; echo "${v^^}"; }
kafka_password() { sed -n "s/^$(kafka_password_var "$1")=//p" "$KAFKA_CREDENTIALS"; }

MONGO_PIDFILE="$MONGO_HOME/mongo.pid"
MONGO_PATTERN="LocalMongoServer.java $MONGO_HOME/"
MONGO_LOG="$MONGO_HOME/logs/mongo.log"

REDIS_PIDFILE="$REDIS_HOME/redis.pid"
REDIS_PATTERN="redis-server"
REDIS_LOG="$REDIS_HOME/logs/redis.log"

# Readiness checks (also used by `status`).
kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  if have_node; then node "$INFRA_SCRIPTS/probe.cjs" kafka 127.0.0.1 "$KAFKA_PORT"; fi
}
mongo_ready() {
  port_open "$MONGO_PORT" || return 1
  if have_node; then node "$INFRA_SCRIPTS/probe.cjs" mongo 127.0.0.1 "$MONGO_PORT"; fi
}
redis_ready() {
  [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}
