"""Committed offsets across a broker restart, with confluent-kafka.

usage: group_offsets.py BOOTSTRAP TOPIC GROUP commit
         creates TOPIC (3 partitions, 30 records each), consumes in GROUP, commits offset 10 + 5 * p
         with metadata "note-p" for partition p, closes; prints {"committed": {"p": offset}}
       group_offsets.py BOOTSTRAP TOPIC GROUP check
         reads the committed offsets back (AdminClient and Consumer.committed), then a consumer in
         GROUP resumes; prints {"admin": {...}, "committed": {...}, "metadata": {...}, "resumedAt": {...}}
"""
import json
import sys
import time

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 3
PER_PARTITION = 30


def consumer(bootstrap, group):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})


def poll_until_assigned(c, timeout=30):
    """Polls until the group has given this consumer all partitions; returns the first records seen."""
    deadline = time.monotonic() + timeout
    first = {}
    while time.monotonic() < deadline:
        message = c.poll(0.2)
        if message is not None and not message.error():
            first.setdefault(message.partition(), message.offset())
        if len(c.assignment()) == PARTITIONS and len(first) == PARTITIONS:
            return first
    sys.exit(f"no full assignment with records after {timeout}s: {c.assignment()}, {first}")


def commit(bootstrap, topic, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    producer = Producer({"bootstrap.servers": bootstrap})
    for n in range(PARTITIONS * PER_PARTITION):
        producer.produce(topic, str(n).encode(), partition=n % PARTITIONS)
    if producer.flush(30):
        sys.exit("records left undelivered")
    c = consumer(bootstrap, group)
    c.subscribe([topic])
    poll_until_assigned(c)
    offsets = [TopicPartition(topic, p, 10 + 5 * p, metadata=f"note-{p}") for p in range(PARTITIONS)]
    results = c.commit(offsets=offsets, asynchronous=False)
    failed = [str(tp.error) for tp in results if tp.error is not None]
    if failed:
        sys.exit(f"commit failed: {failed}")
    c.close()
    print(json.dumps({"committed": {str(tp.partition): tp.offset for tp in results}}))


def check(bootstrap, topic, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(PARTITIONS)])
    listed = admin.list_consumer_group_offsets([request])[group].result(30)
    c = consumer(bootstrap, group)
    committed = c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=30)
    c.subscribe([topic])
    resumed_at = poll_until_assigned(c)
    c.close()
    print(json.dumps({
        "admin": {str(tp.partition): tp.offset for tp in listed.topic_partitions},
        "committed": {str(tp.partition): tp.offset for tp in committed},
        "metadata": {str(tp.partition): tp.metadata for tp in committed},
        "resumedAt": {str(p): o for p, o in resumed_at.items()},
    }))


if __name__ == "__main__":
    bootstrap, topic, group, mode = sys.argv[1:5]
    {"commit": commit, "check": check}[mode](bootstrap, topic, group)
