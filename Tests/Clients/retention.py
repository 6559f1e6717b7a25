"""Retention seen from clients: records produced with old timestamps into a topic with a short
retention.ms disappear, the log start offset advances, and consumers positioned below it get
OFFSET_OUT_OF_RANGE and reset per auto.offset.reset.

usage: retention.py BOOTSTRAP TOPIC
Prints JSON: low/high watermarks before and after, what an 'earliest' consumer read first, and the
error an auto.offset.reset=error consumer got.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                              config={"retention.ms": "60000", "segment.bytes": "100"})])[topic].result(timeout=30)

now_ms = int(time.time() * 1000)
producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
for n in range(50):  # an hour old: past retention.ms at once
    producer.produce(topic, value=f"old-{n}".encode(), partition=0, timestamp=now_ms - 3_600_000)
producer.flush(30)
for n in range(5):  # fresh: kept
    producer.produce(topic, value=f"new-{n}".encode(), partition=0, timestamp=now_ms)
producer.flush(30)

watcher = Consumer({"bootstrap.servers": bootstrap, "group.id": "retention-watch", "enable.auto.commit": False})
before = watcher.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
deadline = time.time() + 30
after = before
while time.time() < deadline:
    after = watcher.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
    if after[0] > 0:
        break
    time.sleep(0.2)
watcher.close()


def first_message(reset):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"retention-{reset}",
                         "enable.auto.commit": False, "auto.offset.reset": reset})
    consumer.assign([TopicPartition(topic, 0, 0)])  # offset 0 is below the new log start
    try:
        deadline = time.time() + 15
        while time.time() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                return {"error": message.error().name()}
            return {"offset": message.offset(), "value": message.value().decode()}
        return {"timeout": True}
    finally:
        consumer.close()


print(json.dumps({"before": list(before), "after": list(after),
                  "earliest": first_message("earliest"), "error": first_message("error")}))
