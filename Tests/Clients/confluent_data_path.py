"""confluent-kafka (librdkafka) against the data path: acks all/1/0 with every codec, key-hash and
custom partitioning, read back with assign() (no consumer group). The broker must create topics
with 4 partitions (num.partitions=4). Prints one JSON object; exits non-zero on a client failure.

usage: confluent_data_path.py BOOTSTRAP
"""
import json
import sys
import time

from confluent_kafka import TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP = sys.argv[1]
PARTITIONS = 4


def produce(topic, messages, **config):
    """messages: (key, value, headers, timestamp, partition or None); returns delivery reports."""
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5, **config})
    reports = []

    def delivered(error, message):
        reports.append((error, message.key(), message.partition(), message.offset(), message.timestamp()))

    for key, value, headers, timestamp, partition in messages:
        extra = {} if partition is None else {"partition": partition}
        producer.produce(topic, value=value, key=key, headers=headers, timestamp=timestamp or 0, on_delivery=delivered, **extra)
        producer.poll(0)
    left = producer.flush(30)
    if left:
        sys.exit(f"{topic}: {left} messages not delivered")
    errors = [str(error) for error, *_ in reports if error is not None]
    if errors:
        sys.exit(f"{topic}: delivery failed: {errors[:3]}")
    return reports


def consume_all(topic, expected_count, **config):
    """Every record of every partition from the beginning, by (partition, offset)."""
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused", "enable.auto.commit": False,
                         "auto.offset.reset": "error", **config})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    records = []
    deadline = time.time() + 30
    while len(records) < expected_count and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            sys.exit(f"{topic}: consume error {message.error()}")
        records.append(message)
    consumer.close()
    return records


def as_tuple(message):
    headers = [(k, v) for k, v in (message.headers() or [])]
    return (message.key(), message.value(), headers, message.timestamp()[1])


result = {}
now = int(time.time() * 1000)
for acks in ("all", "1", "0"):
    for codec in ("none", "gzip", "snappy", "lz4", "zstd"):
        topic = f"acks-{acks}-{codec}"
        messages = [(f"key-{i % 17}".encode(), (f"value {i} " + "x" * (i % 50)).encode(),
                     [("n", str(i).encode()), ("empty", b"")] if i % 3 == 0 else None, now - 1000 + i, None)
                    for i in range(300)]
        reports = produce(topic, messages, **{"acks": acks, "compression.type": codec})
        consumed = consume_all(topic, len(messages))
        sent = sorted((k, v, [(hk, hv) for hk, hv in (h or [])], t) for k, v, h, t, _ in messages)
        got = sorted(as_tuple(m) for m in consumed)
        # Offsets within each partition are dense from 0 and match what the producer was told.
        by_partition = {}
        for m in consumed:
            by_partition.setdefault(m.partition(), []).append(m.offset())
        dense = all(sorted(offsets) == list(range(len(offsets))) for offsets in by_partition.values())
        reported = sorted((p, o) for _, _, p, o, _ in reports if o is not None and o >= 0)
        result[topic] = {
            "exact": sent == got, "count": len(consumed), "dense": dense,
            "reportedOffsetsMatch": acks == "0" or reported == sorted((m.partition(), m.offset()) for m in consumed),
        }

# Key hashing: every key lands on one partition, the one the producer chose.
reports = produce("keyed", [(f"user-{i % 40}".encode(), f"v{i}".encode(), None, None, None) for i in range(400)], acks="all")
partitions_of_key = {}
for _, key, partition, _, _ in reports:
    partitions_of_key.setdefault(key, set()).add(partition)
consumed = consume_all("keyed", 400)
consumed_partitions = {}
for m in consumed:
    consumed_partitions.setdefault(m.key(), set()).add(m.partition())
result["keyed"] = {
    "oneProducerPartitionPerKey": all(len(p) == 1 for p in partitions_of_key.values()),
    "consumedWhereProduced": consumed_partitions == partitions_of_key,
    "partitionsUsed": len(set().union(*partitions_of_key.values())),
    "count": len(consumed),
}


# A partitioner of our own: the value's length decides, applied as an explicit partition.
def by_length(value):
    return len(value) % PARTITIONS


values = [("y" * n).encode() for n in range(1, 41)]
produce("custom", [(None, v, None, None, by_length(v)) for v in values], acks="all")
consumed = consume_all("custom", len(values))
result["custom"] = {"allWhereChosen": all(m.partition() == by_length(m.value()) for m in consumed), "count": len(consumed)}

# message.timestamp.type=LogAppendTime: the broker's clock replaces the producer's timestamps, in
# the stored records and in the produce response (librdkafka reports it with the delivery).
admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
for future in admin.create_topics([NewTopic("append-time", PARTITIONS, 1, config={"message.timestamp.type": "LogAppendTime"})]).values():
    future.result(30)
day_ago = now - 86_400_000
before = int(time.time() * 1000)
reports = produce("append-time", [(None, f"a{i}".encode(), None, day_ago + i, None) for i in range(50)], acks="all")
after = int(time.time() * 1000)
consumed = consume_all("append-time", 50)
result["appendTime"] = {
    "count": len(consumed),
    "allLogAppendTime": all(m.timestamp()[0] == TIMESTAMP_LOG_APPEND_TIME for m in consumed),
    "allBrokerClock": all(before - 1000 <= m.timestamp()[1] <= after + 1000 for m in consumed),
    "reportedLogAppendTime": all(ts[0] == TIMESTAMP_LOG_APPEND_TIME and before - 1000 <= ts[1] <= after + 1000
                                 for *_, ts in reports),
}

print(json.dumps(result, sort_keys=True))
