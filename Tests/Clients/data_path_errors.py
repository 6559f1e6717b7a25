"""Errors a client sees from the data path. Expects a broker with auto.create.topics.enable=false,
message.max.bytes=2048 and a topic 'existing' (one partition) holding nothing yet.
Prints one JSON object.

usage: data_path_errors.py BOOTSTRAP
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
import socket
import struct

from kafka.record.memory_records import MemoryRecordsBuilder

BOOTSTRAP = sys.argv[1]
result = {}


def raw_produce(topic, value):
    """One Produce v7 request with one batch, written by hand: the broker's own answer, no client logic."""
    builder = MemoryRecordsBuilder(magic=2, compression_type=0, batch_size=1 << 20)
    builder.append(timestamp=int(time.time() * 1000), key=b"k", value=value, headers=[])
    builder.close()
    batch = bytes(builder.buffer())

    def string(text):
        return struct.pack(">h", len(text)) + text.encode()

    body = (struct.pack(">hhi", 0, 7, 42) + string("raw")  # header v1: Produce v7, correlation id, client id
            + struct.pack(">hhi", -1, -1, 10000)  # null transactional id, acks=-1, timeout
            + struct.pack(">i", 1) + string(topic) + struct.pack(">ii", 1, 0) + struct.pack(">i", len(batch)) + batch)
    host, port = BOOTSTRAP.split(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        connection.sendall(struct.pack(">i", len(body)) + body)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = connection.recv(65536)
            if not chunk:
                sys.exit("connection closed before the produce response")
            data += chunk
    # size, correlation id, topic count, topic name, partition count, partition index, error code
    name_length = struct.unpack(">h", data[12:14])[0]
    position = 14 + name_length + 4 + 4
    return struct.unpack(">h", data[position:position + 2])[0]


result["rawUnknownTopic"] = raw_produce("no-such-topic", b"v")
result["rawTooLarge"] = raw_produce("existing", b"x" * 4096)

# librdkafka: an unknown topic (no auto-create) fails the message.
producer = Producer({"bootstrap.servers": BOOTSTRAP, "topic.metadata.propagation.max.ms": 1000, "message.timeout.ms": 10000})
errors = []
producer.produce("no-such-topic", value=b"v", on_delivery=lambda e, m: errors.append(e))
producer.flush(20)
result["confluentUnknownTopic"] = errors[0].name() if errors and errors[0] else None

# A record above the topic's max.message.bytes: the broker's MESSAGE_TOO_LARGE reaches the callback.
producer = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all", "linger.ms": 0})
errors = []
producer.produce("existing", value=b"x" * 4096, on_delivery=lambda e, m: errors.append(e))
producer.flush(20)  # alone in its batch: librdkafka refuses the whole batch, as Kafka does
producer.produce("existing", value=b"small", on_delivery=lambda e, m: errors.append(e))
producer.flush(20)
result["confluentTooLarge"] = [e.name() if e else "delivered" for e in errors]

# Out-of-range fetch offset: auto.offset.reset decides where the consumer goes.
for reset in ("earliest", "latest"):
    consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused", "enable.auto.commit": False,
                         "auto.offset.reset": reset})
    consumer.assign([TopicPartition("existing", 0, 1000)])
    if reset == "latest":
        time.sleep(1.5)  # let the reset land at the end before producing
        late = Producer({"bootstrap.servers": BOOTSTRAP})
        late.produce("existing", value=b"after-reset")
        late.flush(10)
    got = None
    deadline = time.time() + 15
    while got is None and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is not None and not message.error():
            got = [message.offset(), message.value().decode()]
    consumer.close()
    result["outOfRange-" + reset] = got

consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "unused", "enable.auto.commit": False, "auto.offset.reset": "error"})
consumer.assign([TopicPartition("existing", 0, 1000)])
error = None
deadline = time.time() + 15
while error is None and time.time() < deadline:
    message = consumer.poll(0.5)
    if message is not None and message.error():
        error = message.error()
consumer.close()
result["outOfRange-error"] = None if error is None else error.name()
result["outOfRange-error-says"] = None if error is None else error.str()

print(json.dumps(result, sort_keys=True))
