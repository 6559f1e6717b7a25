"""Sends malformed Kafka frames at a broker while a real producer keeps producing.

usage: abuse.py BOOTSTRAP TOPIC FRAMES RECORDS

Prints one JSON object: how many frames of each kind were sent, how many answers came back,
how many records the producer had acknowledged, and the partition's end offset afterwards.
Exits non-zero if the producer saw any delivery error.
"""
import json
import random
import socket
import struct
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition

bootstrap, topic, frames, records = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host, port = bootstrap.rsplit(":", 1)
port = int(port)
rng = random.Random(20261125)


def header(api_key, version, correlation, flexible=False):
    client = b"abuse"
    out = struct.pack(">hhih", api_key, version, correlation, len(client)) + client
    return out + (b"\x00" if flexible else b"")


def frame(body):
    return struct.pack(">i", len(body)) + body


def crc_corrupted_produce(correlation):
    # Produce v3: transactional_id null, acks 1, timeout, one topic, one partition, a batch whose CRC is wrong.
    batch = bytearray(struct.pack(">qiib", 0, 49 + 8, 0, 2))
    batch += struct.pack(">I", 0xDEADBEEF)  # wrong CRC
    batch += struct.pack(">hiqqqhii", 0, 0, 0, 0, -1, -1, -1, 1)
    batch += bytes([0x14, 0, 0, 0, 1, 2, 0x61, 0])  # one small record
    body = header(0, 3, correlation) + struct.pack(">hhi", -1, 1, 5000)
    body += struct.pack(">ih", 1, len(topic)) + topic.encode() + struct.pack(">ii", 1, 0)
    body += struct.pack(">i", len(batch)) + bytes(batch)
    return frame(body)


KINDS = {
    "random-bytes": lambda c: bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))),
    "truncated": lambda c: frame(header(3, 9, c, flexible=True) + b"\x01\x00")[: rng.randint(1, 12)],
    "huge-size": lambda c: struct.pack(">i", rng.choice([0x7FFFFFFF, 200_000_000, 104_857_601])) + b"\x00" * 16,
    "negative-size": lambda c: struct.pack(">i", rng.randint(-(2**31), -1)) + b"\x00" * 8,
    "unknown-api-key": lambda c: frame(header(rng.randint(100, 32000), 0, c) + b"\x00" * rng.randint(0, 32)),
    "bad-version": lambda c: frame(header(rng.choice([0, 1, 2, 3, 19]), rng.randint(40, 32000), c)),
    # Clients send ApiVersions with request header v2, whatever the version.
    "api-versions-v99": lambda c: frame(header(18, 99, c, flexible=True) + b"\x00"),
    "garbage-body": lambda c: frame(header(3, 1, c) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))),
    "corrupt-crc-produce": crc_corrupted_produce,
}

# Kinds a broker answers (with an error) rather than closing the connection.
ANSWERED = {"api-versions-v99", "corrupt-crc-produce"}
sent = {kind: 0 for kind in KINDS}
answered = {}
lock = threading.Lock()


def send_garbage(count, seed):
    local = random.Random(seed)
    kinds = list(KINDS)
    for i in range(count):
        kind = kinds[local.randrange(len(kinds))]
        payload = KINDS[kind](i)
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                s.sendall(payload)
                got = b""
                if kind in ANSWERED:
                    # Half-closing would make the broker drop the connection before answering (as Kafka does).
                    s.settimeout(5)
                    try:
                        got = s.recv(4)
                    except (socket.timeout, ConnectionResetError):
                        got = b""
            with lock:
                sent[kind] += 1
                if got:
                    answered[kind] = answered.get(kind, 0) + 1
        except OSError as error:
            print(f"connection failed: {error}", file=sys.stderr)
            raise


delivered = {"ok": 0, "errors": []}


def on_delivery(error, message):
    if error is not None:
        delivered["errors"].append(str(error))
    else:
        delivered["ok"] += 1


producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
threads = [threading.Thread(target=send_garbage, args=(frames // 4, n)) for n in range(4)]
for t in threads:
    t.start()
started = time.time()
for n in range(records):
    producer.produce(topic, value=f"record-{n}".encode(), partition=0, on_delivery=on_delivery)
    producer.poll(0)
    if n % 100 == 0:
        time.sleep(0.01)  # keep producing for as long as the garbage flows
for t in threads:
    t.join()
producer.flush(60)

consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "abuse-check", "enable.auto.commit": False})
low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
consumer.close()
print(json.dumps({"sent": sent, "framesSent": sum(sent.values()), "answered": answered,
                  "delivered": delivered["ok"], "deliveryErrors": delivered["errors"][:5], "endOffset": high,
                  "seconds": round(time.time() - started, 1)}))
sys.exit(1 if delivered["errors"] else 0)
