#!/bin/sh
# Entrypoint of dev.local/kafka: one KRaft node (broker and controller) whose log lives as long as its
# pod (an emptyDir). It formats the log directory on the first start, advertises KAFKA_ADVERTISED_HOST
# (the Service's DNS name) and creates KAFKA_TOPICS, because the broker never creates a topic on use.
set -eu
: "${KAFKA_ADVERTISED_HOST:?set KAFKA_ADVERTISED_HOST to the Service DNS name clients use}"
: "${KAFKA_DATA:=/var/lib/kafka/data}"
: "${KAFKA_PARTITIONS:=3}"
: "${KAFKA_HEAP:=-Xms256m -Xmx512m}"
KAFKA_TOPICS="${KAFKA_TOPICS:-}"
CONF=/tmp/kafka
mkdir -p "$CONF"
cat >"$CONF/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:9093
listeners=PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://$KAFKA_ADVERTISED_HOST:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=$KAFKA_PARTITIONS
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES
cat >"$CONF/log4j2.properties" <<'LOG4J'
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
LOG4J
kafka_java() { java -Dlog4j2.configurationFile="$CONF/log4j2.properties" -cp '/opt/kafka/libs/*' "$@"; }

if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
  # A random cluster id, base64url without padding, as `kafka-storage random-uuid` prints one.
  id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  kafka_java -Xmx128m kafka.tools.StorageTool format "--cluster-id=$id" -c "$CONF/server.properties" --standalone >/dev/null
fi

# Topics once the broker answers; the readiness probe waits for the marker file.
rm -f /tmp/topics-ready
(
  until kafka_java -Xmx96m org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list >/dev/null 2>&1; do sleep 2; done
  for t in $KAFKA_TOPICS; do
    kafka_java -Xmx96m org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --create --if-not-exists \
      --topic "$t" --partitions "$KAFKA_PARTITIONS" --replication-factor 1 >/dev/null
  done
  echo "kafka: topics ready: $KAFKA_TOPICS"
  touch /tmp/topics-ready
) &
# shellcheck disable=SC2086  # KAFKA_HEAP holds several JVM options
exec java $KAFKA_HEAP -XX:+UseG1GC -Dlog4j2.configurationFile="$CONF/log4j2.properties" -cp '/opt/kafka/libs/*' \
  kafka.Kafka "$CONF/server.properties"
