# shellcheck shell=bash
# Source me:  source scripts/infra/env.sh
# Exports the connection settings for the local infra started by
# scripts/infra/up, but only where a variable is not already set, so an
# external server configured by the developer/CI always wins.
# (Ports follow the same rarely-needed INFRA_*_PORT overrides as lib.sh.)
#
# The local MongoDB-wire server is a stand-alone server, not a replica set,
# hence retryWrites=false.
: "${KAFKA_BROKERS:=127.0.0.1:${INFRA_KAFKA_PORT:-19092}}"
: "${MONGO_URL:=mongodb://127.0.0.1:${INFRA_MONGO_PORT:-27018}/?retryWrites=false}"
: "${REDIS_URL:=redis://127.0.0.1:${INFRA_REDIS_PORT:-6380}}"
export KAFKA_BROKERS MONGO_URL REDIS_URL

# The local broker requires SASL (scripts/infra/up; the same principals and ACLs as compose). This
# shell, its tests and tools log in as the `admin` super user; the services each log in as their own
# principal (scripts/start.sh, libs/testing's TestSystem) with the KAFKA_<SERVICE>_PASSWORD below.
_tt_kafka_credentials="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.infra/kafka/credentials.env"
if [[ "$KAFKA_BROKERS" == "127.0.0.1:${INFRA_KAFKA_PORT:-19092}" && -f "$_tt_kafka_credentials" ]]; then
  set -a
  # shellcheck disable=SC1090
  source "$_tt_kafka_credentials"
  set +a
  : "${KAFKA_SASL_MECHANISM:=plain}" "${KAFKA_SASL_USERNAME:=admin}" "${KAFKA_SASL_PASSWORD:=$KAFKA_ADMIN_PASSWORD}"
  export KAFKA_SASL_MECHANISM KAFKA_SASL_USERNAME KAFKA_SASL_PASSWORD
fi
unset _tt_kafka_credentials
