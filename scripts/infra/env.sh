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
