"""kafka-python or aiokafka in a consumer group: a first consumer reads part of a topic, commits and
closes; a second one in the same group resumes where the first committed.

usage: group_resume.py BOOTSTRAP TOPIC GROUP kafka-python|aiokafka
Prints {"first": [[p, o], ...], "committed": {"p": o}, "second": [[p, o], ...]}: the positions each
consumer read, and what the group had committed between them.
"""
import asyncio
import json
import sys
import time

PARTITIONS = 2
PER_PARTITION = 50
FIRST_READS = 40

GROUP_SETTINGS = dict(enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                      heartbeat_interval_ms=500, max_poll_records=7)


def with_kafka_python(bootstrap, topic, group):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for n in range(PARTITIONS * PER_PARTITION):
        producer.send(topic, str(n).encode(), partition=n % PARTITIONS)
    producer.flush(30)
    producer.close()

    def read(limit):
        consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, **GROUP_SETTINGS)
        seen = []
        deadline = time.monotonic() + 30
        while len(seen) < limit and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                seen += [[r.partition, r.offset] for r in records]
        consumer.commit()  # what was returned so far
        committed = {str(p): consumer.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
        consumer.close()
        return seen, committed

    first, committed = read(FIRST_READS)
    second, _ = read(PARTITIONS * PER_PARTITION - len(first))
    return first, committed, second


async def with_aiokafka(bootstrap, topic, group):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    for n in range(PARTITIONS * PER_PARTITION):
        await producer.send(topic, str(n).encode(), partition=n % PARTITIONS)
    await producer.flush()
    await producer.stop()

    settings = dict(GROUP_SETTINGS)
    max_records = settings.pop("max_poll_records")

    async def read(limit):
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, **settings)
        await consumer.start()
        seen = []
        deadline = time.monotonic() + 30
        while len(seen) < limit and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=max_records)
            for records in batches.values():
                seen += [[r.partition, r.offset] for r in records]
        await consumer.commit()  # what was returned so far
        committed = {str(p): await consumer.committed(TopicPartition(topic, p)) for p in range(PARTITIONS)}
        await consumer.stop()
        return seen, committed

    first, committed = await read(FIRST_READS)
    second, _ = await read(PARTITIONS * PER_PARTITION - len(first))
    return first, committed, second


if __name__ == "__main__":
    bootstrap, topic, group, library = sys.argv[1:5]
    if library == "kafka-python":
        first, committed, second = with_kafka_python(bootstrap, topic, group)
    elif library == "aiokafka":
        first, committed, second = asyncio.run(with_aiokafka(bootstrap, topic, group))
    else:
        sys.exit(f"unknown library {library}")
    print(json.dumps({"first": first, "committed": committed, "second": second}))
