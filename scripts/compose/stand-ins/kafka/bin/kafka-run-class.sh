#!/usr/bin/env bash
# Stand-in for Kafka 3.9.1's bin/kafka-run-class.sh: the same environment knobs (KAFKA_HEAP_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS), classpath /opt/kafka/libs/*.
# Difference: command-line tools (anything but the broker) run with the C1 compiler and the
# serial GC, which starts a JVM about twice as fast on a 2-core machine; kafka-init runs ~50 of them.
base=/opt/kafka
if [[ "$1" == kafka.Kafka ]]; then
  : "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
else
  : "${KAFKA_JVM_PERFORMANCE_OPTS:=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true}"
fi
: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j.configuration=file:$base/config/tools-log4j.properties}"
# shellcheck disable=SC2086 # the *_OPTS are word lists, as upstream
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_LOG4J_OPTS -Dkafka.logs.dir="$base/logs" \
  ${KAFKA_OPTS:-} -cp "$base/libs/*" "$@"
