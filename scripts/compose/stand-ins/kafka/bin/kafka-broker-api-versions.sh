#!/usr/bin/env bash
# Stand-in for Kafka 3.9.1's bin/kafka-broker-api-versions.sh (same main class).
exec "$(dirname "$0")/kafka-run-class.sh" kafka.admin.BrokerApiVersionsCommand "$@"
