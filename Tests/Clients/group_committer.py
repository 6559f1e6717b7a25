"""A confluent-kafka consumer group member that reads a topic and commits its positions
synchronously every COMMIT_INTERVAL seconds until told to stop, recording every commit, so a test
can kill the group's coordinator meanwhile and see the commits carry on.

usage: group_committer.py run BOOTSTRAP TOPIC GROUP CONTROL_DIR [COMMIT_INTERVAL]
  CONTROL_DIR/commits  one line per commit attempt: UNIX_TIME ok P:OFFSET,P:OFFSET...
                       or UNIX_TIME failed ERROR_NAME (appended and flushed at once)
  CONTROL_DIR/stop     created by the test: commit once more, leave the group, print a JSON summary
                       {"consumed", "commitsOk", "commitsFailed", "lastCommitted": {P: OFFSET}} and exit
       group_committer.py coordinator BOOTSTRAP GROUP
  prints the node id of the group's coordinator (FindCoordinator through the admin client)
       group_committer.py committed BOOTSTRAP TOPIC GROUP
  prints {"P": OFFSET} the group has committed, read by a fresh client outside the group
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient


def run(bootstrap, topic, group, control_dir, interval):
    stop_file = os.path.join(control_dir, "stop")
    commits = open(os.path.join(control_dir, "commits"), "a")
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": group, "client.id": "fault-committer",
        "enable.auto.commit": False, "auto.offset.reset": "earliest",
        "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
        "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 200, "socket.connection.setup.timeout.ms": 2000,
        "topic.metadata.refresh.interval.ms": 1000,
    })
    consumer.subscribe([topic])
    consumed = 0
    ok = failed = 0
    last = {}
    next_commit = time.monotonic() + interval

    def commit():
        nonlocal ok, failed
        positions = [tp for tp in consumer.position(consumer.assignment()) if tp.offset >= 0]
        if not positions:
            return
        try:
            result = consumer.commit(offsets=positions, asynchronous=False)
        except KafkaException as error:
            failed += 1
            commits.write(f"{time.time():.3f} failed {error.args[0].name()}\n")
        else:
            bad = [tp for tp in result if tp.error is not None]
            if bad:
                failed += 1
                commits.write(f"{time.time():.3f} failed {bad[0].error.name()}\n")
            else:
                ok += 1
                for tp in result:
                    last[tp.partition] = tp.offset
                commits.write(f"{time.time():.3f} ok " + ",".join(f"{tp.partition}:{tp.offset}" for tp in result) + "\n")
        commits.flush()

    began = time.monotonic()
    while not os.path.exists(stop_file) and time.monotonic() - began < 900:  # a test that died leaves no member behind
        message = consumer.poll(0.1)
        if message is not None and message.error() is None:
            consumed += 1
        if time.monotonic() >= next_commit:
            commit()
            next_commit = time.monotonic() + interval
    commit()
    consumer.close()
    print(json.dumps({"consumed": consumed, "commitsOk": ok, "commitsFailed": failed,
                      "lastCommitted": {str(p): o for p, o in sorted(last.items())}}))


def coordinator(bootstrap, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    description = admin.describe_consumer_groups([group], request_timeout=10)[group].result(15)
    print(description.coordinator.id)


def committed(bootstrap, topic, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    metadata = admin.list_topics(topic, timeout=15)
    partitions = [TopicPartition(topic, p) for p in sorted(metadata.topics[topic].partitions)]
    request = ConsumerGroupTopicPartitions(group, partitions)
    result = admin.list_consumer_group_offsets([request], request_timeout=10)[group].result(15)
    print(json.dumps({str(tp.partition): tp.offset for tp in result.topic_partitions}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], float(sys.argv[6]) if len(sys.argv) > 6 else 0.2)
    elif mode == "coordinator":
        coordinator(sys.argv[2], sys.argv[3])
    elif mode == "committed":
        committed(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown mode {mode}")
