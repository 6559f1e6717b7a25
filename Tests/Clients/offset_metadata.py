"""Committed offset metadata and leader epochs, as each client library sends and reads them back.

usage: offset_metadata.py BOOTSTRAP TOPIC GROUP kafka-python|confluent-kafka|aiokafka
Creates TOPIC with one partition per case, commits offset 10 + p with the case's metadata (and
leader epoch 0 where the library sends one) from a standalone consumer, then reads the commits back
with a fresh consumer (and the library's admin client where it has one). Prints
{"sent": {"p": metadata}, "read": {"p": metadata}, "epochs": {"p": epoch}, "offsets": {"p": offset},
 "admin": {"p": metadata}}; metadata as Python's repr so NUL bytes and None stay visible.
"""
import asyncio
import json
import sys

# confluent-kafka takes metadata as a C string (no NUL inside; librdkafka sends it with its
# terminating NUL); aiokafka has no null metadata and no leader epoch in its OffsetAndMetadata.
CASES = {
    "kafka-python": ["a\x00b", "", None, "plain", "\x00", "\u00fc\x00\u20ac", "x" * 4000],
    "aiokafka": ["a\x00b", "", "plain", "\x00", "\u00fc\x00\u20ac"],
    "confluent-kafka": ["", None, "plain", "\u00fc\u20ac"],
}
LEADER_EPOCH = 0


def report(sent, read, epochs, offsets, admin):
    print(json.dumps({
        "sent": {str(p): repr(m) for p, m in enumerate(sent)},
        "read": {str(p): repr(m) for p, m in read.items()},
        "epochs": {str(p): e for p, e in epochs.items()},
        "offsets": {str(p): o for p, o in offsets.items()},
        "admin": {str(p): repr(m) for p, m in admin.items()},
    }))


def with_kafka_python(bootstrap, topic, group):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.structs import OffsetAndMetadata

    cases = CASES["kafka-python"]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, len(cases), 1)])
    partitions = [TopicPartition(topic, p) for p in range(len(cases))]
    committer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    committer.assign(partitions)
    committer.commit({tp: OffsetAndMetadata(10 + tp.partition, cases[tp.partition], LEADER_EPOCH) for tp in partitions})
    committer.close()
    reader = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    committed = {tp.partition: reader.committed(tp, metadata=True) for tp in partitions}
    reader.close()
    listed = admin.list_group_offsets({group: None})[group]
    admin.close()
    report(cases, {p: c.metadata for p, c in committed.items()}, {p: c.leader_epoch for p, c in committed.items()},
           {p: c.offset for p, c in committed.items()}, {tp.partition: c.metadata for tp, c in listed.items()})


def with_confluent_kafka(bootstrap, topic, group):
    from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    cases = CASES["confluent-kafka"]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, len(cases), 1)])[topic].result(30)
    settings = {"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False}
    committer = Consumer(settings)
    offsets = []
    for p, metadata in enumerate(cases):
        tp = TopicPartition(topic, p, 10 + p, leader_epoch=LEADER_EPOCH)
        if metadata is not None:
            tp = TopicPartition(topic, p, 10 + p, metadata=metadata, leader_epoch=LEADER_EPOCH)
        offsets.append(tp)
    failed = [str(tp.error) for tp in committer.commit(offsets=offsets, asynchronous=False) if tp.error is not None]
    if failed:
        sys.exit(f"commit failed: {failed}")
    committer.close()
    reader = Consumer(settings)
    committed = reader.committed([TopicPartition(topic, p) for p in range(len(cases))], timeout=30)
    reader.close()
    request = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(len(cases))])
    listed = admin.list_consumer_group_offsets([request])[group].result(30)
    report(cases, {tp.partition: tp.metadata for tp in committed}, {tp.partition: tp.leader_epoch for tp in committed},
           {tp.partition: tp.offset for tp in committed}, {tp.partition: tp.metadata for tp in listed.topic_partitions})


async def with_aiokafka(bootstrap, topic, group):
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    cases = CASES["aiokafka"]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, len(cases), 1)])
    partitions = [TopicPartition(topic, p) for p in range(len(cases))]
    committer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await committer.start()
    committer.assign(partitions)
    await committer.commit({tp: (10 + tp.partition, cases[tp.partition]) for tp in partitions})
    await committer.stop()
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    offsets = {tp.partition: await reader.committed(tp) for tp in partitions}
    await reader.stop()
    listed = await admin.list_consumer_group_offsets(group)
    await admin.close()
    report(cases, {tp.partition: c.metadata for tp, c in listed.items()}, {}, offsets,
           {tp.partition: c.metadata for tp, c in listed.items()})


if __name__ == "__main__":
    bootstrap, topic, group, library = sys.argv[1:5]
    if library == "aiokafka":
        asyncio.run(with_aiokafka(bootstrap, topic, group))
    else:
        {"kafka-python": with_kafka_python, "confluent-kafka": with_confluent_kafka}[library](bootstrap, topic, group)
