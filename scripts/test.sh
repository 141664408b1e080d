#!/usr/bin/env bash
# `npm test`: every test — unit, integration and e2e — on a real Kafka, MongoDB-wire server and
# Redis that this script installs and starts if needed (see scripts/infra/up). Extra arguments go
# to jest, e.g. `npm test -- test/e2e/need-to-totals.e2e-spec.ts`.
source "$(dirname "$0")/lib/common.sh"
started=$(date +%s)

prepare
ensure_chromium
ensure_schemathesis
ensure_promtool
log "type-checking (services, libs and tests)"
npx tsc -p tsconfig.json --noEmit

log "running jest (unit, integration, e2e)"
mkdir -p .infra
status=0
# In band: the e2e tests start four services each, and this machine has two cores.
npx jest --ci --runInBand --json --outputFile=.infra/jest-results.json "$@" || status=$?

# The plain closing line CI reads, from jest's own counts.
node -e '
  const r = require("./.infra/jest-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
log "npm test finished in $(($(date +%s) - started)) s"
exit $status
