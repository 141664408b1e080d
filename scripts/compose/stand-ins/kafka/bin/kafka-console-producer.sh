#!/usr/bin/env bash
# Stand-in for Kafka 3.9.1's bin/kafka-console-producer.sh (same main class).
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.ConsoleProducer "$@"
