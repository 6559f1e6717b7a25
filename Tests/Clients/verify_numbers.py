"""Reads every partition of a topic from its log start to its high watermark (confluent-kafka,
no group) and checks the numbered records numbered_producer.py wrote against the numbers it
recorded as acknowledged.

usage: verify_numbers.py BOOTSTRAP TOPIC ACKNOWLEDGED_FILE
  ACKNOWLEDGED_FILE  lines NUMBER PARTITION OFFSET [UNIX_TIME]; an OFFSET below 0 is not checked
Prints one JSON object:
  read, distinct             records read, distinct numbers among them
  acknowledged               distinct numbers acknowledged
  missingAcknowledged        acknowledged numbers not in the log (with a sample, smallest first)
  duplicates                 numbers in the log more than once (with a sample, and where each of
                             the sampled ones is: duplicatePositions, NUMBER -> [[PARTITION, OFFSET], ...])
  movedAcknowledged          acknowledged numbers not at the partition and offset their report named
  unacknowledgedPresent      numbers in the log whose report never came (allowed: the answer was lost)
  endOffsets                 each partition's high watermark, by partition
  exactlyOnce                no acknowledged number missing, none twice, none moved
"""
import json
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, TopicPartition


def main():
    bootstrap, topic, acknowledged_path = sys.argv[1], sys.argv[2], sys.argv[3]
    acknowledged = {}
    with open(acknowledged_path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 3:
                # A retry the broker answered DUPLICATE_SEQUENCE_NUMBER is delivered without an
                # offset (librdkafka reports none): it must be present once, wherever it is.
                offset = -1 if fields[2] == "None" else int(fields[2])
                acknowledged[int(fields[0])] = (int(fields[1]), offset)

    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"verifier-{uuid.uuid4()}", "client.id": "fault-verifier",
        "enable.auto.commit": False, "enable.partition.eof": True, "fetch.wait.max.ms": 100,
    })
    metadata = consumer.list_topics(topic, timeout=30)
    if topic not in metadata.topics or metadata.topics[topic].error is not None:
        sys.exit(f"topic {topic} not found: {metadata.topics.get(topic)}")
    partitions = sorted(metadata.topics[topic].partitions)
    ends = {}
    assignment = []
    for p in partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)
        ends[p] = high
        if high > low:
            assignment.append(TopicPartition(topic, p, low))
    consumer.assign(assignment)

    positions = {}  # number -> [(partition, offset), ...]
    remaining = {tp.partition for tp in assignment}
    read = 0
    deadline = time.monotonic() + 120
    while remaining:
        if time.monotonic() > deadline:
            sys.exit(f"partitions {sorted(remaining)} not read to their high watermarks {ends} within 120 s")
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error() is not None:
            if message.error().code() == -191:  # _PARTITION_EOF
                if message.offset() >= ends[message.partition()]:
                    remaining.discard(message.partition())
                continue
            raise KafkaException(message.error())
        if message.offset() >= ends[message.partition()]:
            remaining.discard(message.partition())
            continue
        read += 1
        positions.setdefault(int(message.value()), []).append((message.partition(), message.offset()))
        if message.offset() + 1 >= ends[message.partition()]:
            remaining.discard(message.partition())
    consumer.close()

    missing = sorted(n for n in acknowledged if n not in positions)
    duplicates = sorted(n for n, at in positions.items() if len(at) > 1)
    moved = sorted(n for n, (p, o) in acknowledged.items()
                   if n in positions and o >= 0 and (p, o) not in positions[n])
    unacknowledged = sorted(n for n in positions if n not in acknowledged)
    print(json.dumps({
        "read": read, "distinct": len(positions), "acknowledged": len(acknowledged),
        "missingAcknowledged": len(missing), "missingSample": missing[:20],
        "duplicates": len(duplicates), "duplicateSample": duplicates[:20],
        "duplicatePositions": {str(n): [list(at) for at in positions[n]] for n in duplicates[:20]},
        "movedAcknowledged": len(moved), "movedSample": moved[:20],
        "acknowledgedWithoutOffset": sum(1 for _, o in acknowledged.values() if o < 0),
        "unacknowledgedPresent": len(unacknowledged),
        "endOffsets": [ends[p] for p in partitions],
        "exactlyOnce": not missing and not duplicates and not moved,
    }))


if __name__ == "__main__":
    main()
