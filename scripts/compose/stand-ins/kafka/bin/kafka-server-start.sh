#!/usr/bin/env bash
# Stand-in for bin/kafka-server-start.sh: upstream's heap and log4j defaults, then the broker.
: "${KAFKA_HEAP_OPTS:=-Xmx1G -Xms1G}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:/opt/kafka/config/log4j.properties}"
export KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS
exec "$(dirname "$0")/kafka-run-class.sh" kafka.Kafka "$@"
