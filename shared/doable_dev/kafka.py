"""The stack's Kafka: one KRaft broker from the cached jars, its topics, and its consumer groups' state."""

from __future__ import annotations

import base64
import time
import uuid
from pathlib import Path

from doable_dev.layout import KAFKA_CONTROLLER_PORT, KAFKA_LIBS, KAFKA_PORT, TOPIC_PARTITIONS, TOPICS
from doable_dev.processes import Processes, StackError, port_open, run, wait_until

BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"


def start(processes: Processes) -> None:
    """Formats the broker's storage on first start, starts it and creates the topics."""
    state_dir = processes.state_dir
    data = state_dir / "kafka"
    config = state_dir / "kafka.properties"
    config.write_text(_properties(data))
    log4j = state_dir / "kafka-log4j2.properties"
    log4j.write_text(
        "rootLogger.level=WARN\nrootLogger.appenderRef.stdout.ref=STDOUT\nappender.stdout.type=Console\n"
        "appender.stdout.name=STDOUT\nappender.stdout.layout.type=PatternLayout\n"
        "appender.stdout.layout.pattern=[%d] %p %m (%c)%n\n"
    )
    java = [
        "java",
        "-Xms256m",
        "-Xmx768m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{KAFKA_LIBS}/*",
    ]
    if not (data / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        run(
            [
                *java,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",  # one word: an id may start with '-'
                "-c",
                str(config),
                "--standalone",
            ]
        )
    processes.spawn("kafka", [*java, "kafka.Kafka", str(config)])
    wait_until(lambda: port_open(KAFKA_PORT), 60, "Kafka", processes.logs / "kafka.log")
    create_topics()


def _properties(data: Path) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{KAFKA_CONTROLLER_PORT}",
            f"listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT},CONTROLLER://127.0.0.1:{KAFKA_CONTROLLER_PORT}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{KAFKA_PORT}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            f"log.dirs={data}",
            f"num.partitions={TOPIC_PARTITIONS}",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "",
        ]
    )


def create_topics() -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    deadline = time.monotonic() + 60
    while True:
        existing = set(admin.list_topics(timeout=10).topics)
        wanted = [
            NewTopic(t, num_partitions=TOPIC_PARTITIONS, replication_factor=1)
            for t in TOPICS
            if t not in existing
        ]
        if not wanted:
            return
        for future in admin.create_topics(wanted).values():
            try:
                future.result(timeout=15)
            except Exception as error:
                if "TOPIC_ALREADY_EXISTS" not in str(error) and time.monotonic() > deadline:
                    raise StackError(f"creating Kafka topics failed: {error}") from error
        time.sleep(0.2)


def wait_stable(groups: list[str], timeout: float, log: Path) -> None:
    """Waits until every consumer group has joined and holds its partitions."""
    from confluent_kafka import ConsumerGroupState
    from confluent_kafka.admin import AdminClient

    if not groups:
        return
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})

    def stable() -> bool:
        futures = admin.describe_consumer_groups(groups, request_timeout=5)
        try:
            return all(
                f.result().state == ConsumerGroupState.STABLE and f.result().members for f in futures.values()
            )
        except Exception:
            return False

    wait_until(stable, timeout, f"Kafka consumer groups {', '.join(groups)}", log)
