"""kafka-python and aiokafka against the data path, without consumer groups: produce, then
assign/seek/beginning_offsets/end_offsets/offsets_for_times and read back. Prints one JSON object.

usage: python_clients_data_path.py BOOTSTRAP TOPIC_PREFIX
"""
import asyncio
import json
import sys

BOOTSTRAP, PREFIX = sys.argv[1], sys.argv[2]
BASE_TIME = 1_700_000_000_000
COUNT = 200


def records():
    return [(f"k{i}".encode(), f"value-{i}".encode(), BASE_TIME + i * 10, [("i", str(i).encode())]) for i in range(COUNT)]


def kafka_python():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    topic = PREFIX + "-kafka-python"
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=5, request_timeout_ms=20000,
                             enable_idempotence=False)  # idempotence (InitProducerId) is a later issue
    futures = [producer.send(topic, key=k, value=v, timestamp_ms=t, headers=h, partition=0) for k, v, t, h in records()]
    producer.flush(30)
    offsets = [f.get(timeout=30).offset for f in futures]
    producer.close()
    tp = TopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", request_timeout_ms=20000, consumer_timeout_ms=5000)
    consumer.assign([tp])
    beginning = consumer.beginning_offsets([tp])[tp]
    end = consumer.end_offsets([tp])[tp]
    by_time = consumer.offsets_for_times({tp: BASE_TIME + 555})[tp]
    after_end = consumer.offsets_for_times({tp: BASE_TIME + 10 * COUNT + 1})[tp]
    consumer.seek_to_beginning(tp)
    got = []
    for message in consumer:
        got.append((message.key, message.value, message.timestamp, list(message.headers)))
        if len(got) == COUNT:
            break
    consumer.seek(tp, 150)
    after_seek = next(iter(consumer))
    consumer.close()
    return {
        "producedOffsets": offsets == list(range(COUNT)),
        "exact": got == [(k, v, t, h) for k, v, t, h in records()],
        "beginning": beginning, "end": end,
        "byTime": [by_time.offset, by_time.timestamp] if by_time else None,
        "afterEnd": None if after_end is None else after_end.offset,
        "seekTo150": after_seek.offset,
    }


async def aiokafka():
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    topic = PREFIX + "-aiokafka"
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=5, enable_idempotence=False)
    await producer.start()
    try:
        sent = [await producer.send(topic, key=k, value=v, timestamp_ms=t, headers=h, partition=0) for k, v, t, h in records()]
        offsets = [(await f).offset for f in sent]
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([tp])
        beginning = (await consumer.beginning_offsets([tp]))[tp]
        end = (await consumer.end_offsets([tp]))[tp]
        by_time = (await consumer.offsets_for_times({tp: BASE_TIME + 555}))[tp]
        await consumer.seek_to_beginning(tp)
        got = []
        while len(got) < COUNT:
            batches = await asyncio.wait_for(consumer.getmany(tp, timeout_ms=2000), 30)
            for message in batches.get(tp, []):
                got.append((message.key, message.value, message.timestamp, list(message.headers)))
        consumer.seek(tp, 150)
        after_seek = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    return {
        "producedOffsets": offsets == list(range(COUNT)),
        "exact": got[:COUNT] == [(k, v, t, h) for k, v, t, h in records()],
        "beginning": beginning, "end": end,
        "byTime": [by_time.offset, by_time.timestamp] if by_time else None,
        "seekTo150": after_seek.offset,
    }


print(json.dumps({"kafka-python": kafka_python(), "aiokafka": asyncio.run(aiokafka())}, sort_keys=True))
