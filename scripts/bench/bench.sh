#!/usr/bin/env bash
# `npm run bench` (and `npm run bench:smoke`, which sets BENCH_SMOKE=1): every performance figure in
# one run (scripts/bench/run-all.ts). Starts the local infrastructure if it is not up, builds the
# services (the benchmark runs the built ones, as the e2e tests do), then runs the figures.
# Not part of `npm test`. Sizes: BENCH_* variables, see scripts/bench/run-all.ts and the README.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true KAFKAJS_NO_PARTITIONER_WARNING=1
BENCH_LOADAVG_BEFORE_BUILD="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
export BENCH_LOADAVG_BEFORE_BUILD

# status reports on the local servers only while their *_URL variables are unset: ask before env.sh.
if ! bash scripts/infra/status >/dev/null 2>&1; then
  echo "==> the infrastructure is not up: scripts/infra/up"
  bash scripts/infra/up
fi
# shellcheck disable=SC1091
source scripts/infra/env.sh

echo "==> npm run build"
npm run build --silent

exec node --expose-gc -r @swc-node/register scripts/bench/run-all.ts "$@"
