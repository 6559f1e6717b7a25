"""A consumer long-polling with fetch.wait.max.ms=5000 receives a record as soon as it is produced.
Prints the milliseconds from produce() to the consumer seeing it, for several records.

usage: long_poll_wake.py BOOTSTRAP TOPIC
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2]
producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 0, "acks": "all"})
producer.produce(TOPIC, value=b"warm-up", partition=0)
producer.flush(20)
consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused", "enable.auto.commit": False,
                     "fetch.wait.max.ms": 5000, "fetch.min.bytes": 1})
consumer.assign([TopicPartition(TOPIC, 0, 0)])
message = consumer.poll(15)
if message is None or message.error():
    sys.exit(f"warm-up not consumed: {message and message.error()}")
latencies = []
for i in range(5):
    time.sleep(1.0)  # the consumer is now parked in a long poll
    sent = time.monotonic()
    producer.produce(TOPIC, value=f"ping-{i}".encode(), partition=0)
    producer.poll(0)
    message = consumer.poll(10)
    if message is None or message.error():
        sys.exit(f"ping {i} not consumed: {message and message.error()}")
    latencies.append(round((time.monotonic() - sent) * 1000, 1))
producer.flush(10)
consumer.close()
print(json.dumps({"latenciesMs": latencies}))
