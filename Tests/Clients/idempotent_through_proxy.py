"""confluent-kafka with enable.idempotence=true producing numbered records through a FlakyProxy that
cuts connections at random; halfway it asks for a broker restart (the test restarts the broker and
writes its new address to the upstream file). Then it reads the topic back, the proxy calm, and
reports whether each number is there exactly once, in order within its partition.

The broker must advertise the proxy's address (advertised.listeners=127.0.0.1:PROXY_PORT), or the
client would bypass the proxy after its first Metadata response.

usage: idempotent_through_proxy.py PROXY_PORT CONTROL_DIR TOPIC COUNT [CUTS_PER_SECOND]
  CONTROL_DIR/upstream  the broker's HOST:PORT, read on every proxied connection (written by the test)
  CONTROL_DIR/halfway   created here once half the records are acknowledged: the test restarts the broker
                        and writes the new address to upstream; nothing new is enqueued until it has
Prints one JSON object.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from flaky_proxy import FlakyProxy

PARTITIONS = 3


def main():
    proxy_port, control_dir, topic, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    cuts_per_second = float(sys.argv[5]) if len(sys.argv) > 5 else 3.0
    proxy = FlakyProxy(proxy_port, os.path.join(control_dir, "upstream"), cuts_per_second=cuts_per_second,
                       requests_per_cut=(4, 25)).start(chaos=False)
    bootstrap = f"127.0.0.1:{proxy.port}"
    started = time.monotonic()

    # Created before the chaos starts: a CreateTopics cut off could leave the producer to auto-create it with one partition.
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    proxy.chaos.set()

    fatal_errors = []
    producer = Producer({
        "error_cb": lambda error: fatal_errors.append(str(error)) if error.fatal() else None,
        "bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5, "batch.num.messages": 2000,
        "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 50,
        "message.timeout.ms": 120000, "socket.connection.setup.timeout.ms": 3000,
    })
    errors = []
    acknowledged = [0]

    def delivered(error, message):
        if error is not None:
            errors.append(str(error))
        else:
            acknowledged[0] += 1

    halfway = os.path.join(control_dir, "halfway")
    upstream_file = os.path.join(control_dir, "upstream")
    first_upstream = open(upstream_file).read()
    in_flight_at_restart = [None]

    def ask_for_restart_at_halfway():
        """Once half is acknowledged: asks for the restart and enqueues nothing new until the broker
        is back (what is queued and in flight meanwhile is retried across the restart)."""
        if acknowledged[0] < count // 2 or in_flight_at_restart[0] is not None:
            return
        open(halfway, "w").close()
        in_flight_at_restart[0] = len(producer)
        deadline = time.monotonic() + 60
        while open(upstream_file).read() == first_upstream:
            if time.monotonic() > deadline:
                sys.exit("the broker was not restarted within 60 s")
            producer.poll(0.05)

    for number in range(count):
        while True:
            try:
                producer.produce(topic, str(number).encode(), partition=number % PARTITIONS, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
                ask_for_restart_at_halfway()
        producer.poll(0)
        ask_for_restart_at_halfway()
    deadline = time.monotonic() + 120
    while len(producer) and time.monotonic() < deadline and not fatal_errors:
        producer.poll(0.1)
        ask_for_restart_at_halfway()
    left = len(producer)
    produced_in = time.monotonic() - started

    # Read back with the proxy calm (the consumer must still go through it: the broker advertises it).
    proxy.chaos.clear()
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "idempotence-check", "enable.auto.commit": False})
    low_high = [consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(PARTITIONS)]
    consumer.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS)])
    values = {p: [] for p in range(PARTITIONS)}
    total = sum(high for _, high in low_high)
    deadline = time.monotonic() + 60
    read = 0
    while read < total and time.monotonic() < deadline:
        for message in consumer.consume(10000, 0.5):
            if message.error():
                errors.append(str(message.error()))
                continue
            values[message.partition()].append(int(message.value()))
            read += 1
    consumer.close()
    proxy.stop()

    every = sorted(v for vs in values.values() for v in vs)
    print(json.dumps({
        "count": count,
        "undelivered": left,
        "deliveryErrors": errors[:5],
        "acknowledged": acknowledged[0],
        "restartRequested": os.path.exists(halfway),
        "queuedAtRestart": in_flight_at_restart[0],
        "logEndOffsets": [high for _, high in low_high],
        "read": read,
        "exactlyOnce": every == list(range(count)),
        "duplicates": len(every) - len(set(every)),
        "missing": count - len(set(every)),
        "inOrderPerPartition": all(vs == sorted(vs) and all(v % PARTITIONS == p for v in vs) for p, vs in values.items()),
        "proxyConnections": proxy.connections,
        "proxyCuts": proxy.cuts,
        "cutsWithRequestsUnanswered": proxy.cuts_with_requests_unanswered,
        "producedSeconds": round(produced_in, 1),
        "fatalErrors": fatal_errors[:3],
    }))


if __name__ == "__main__":
    main()
