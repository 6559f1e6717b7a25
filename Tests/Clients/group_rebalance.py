"""A confluent-kafka consumer group through a scenario of members joining, leaving, being killed and
restarting, while a producer writes numbered records. Each member is its own process (so one can be
SIGKILLed) that commits after processing each record and reports, as JSON lines, what it consumed,
what it committed (once acknowledged) and its assignment whenever that changes.

After every step the script waits until the live members own every partition exactly once. At the
end it checks that no record was consumed after a commit covering it had been acknowledged, and that
every produced record was consumed.

usage: group_rebalance.py BOOTSTRAP TOPIC GROUP STRATEGY STEPS [--static] [--data-dir DIR] [--session-timeout-ms MS]
  STRATEGY  partition.assignment.strategy, e.g. range, roundrobin, cooperative-sticky ("default": librdkafka's)
  STEPS     comma-separated: start:NAME, close:NAME, kill:NAME (SIGKILL), restart:NAME (close, then start anew)
  --static  members use their name as group.instance.id (static membership)
  --data-dir the broker's data directory: each phase then reports the group's generation as stored there
  --session-timeout-ms  the members' session.timeout.ms (default 6000, the broker's minimum)
Prints one JSON object: {"phases": [...], "violations": [...], "missing": [...], ...}.
       group_rebalance.py --member BOOTSTRAP TOPIC GROUP STRATEGY NAME STATIC SESSION_MS   (one member; internal)
"""
import glob
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 6
DEFAULT_SESSION_TIMEOUT_MS = 6000


def emit(**event):
    event["t"] = time.monotonic()  # CLOCK_MONOTONIC: comparable across this machine's processes
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def run_member(bootstrap, topic, group, strategy, name, static, session_timeout_ms):
    config = {
        "bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
        "session.timeout.ms": int(session_timeout_ms), "heartbeat.interval.ms": 500,
        # The rebalance timeout: how long a join phase waits for members to rejoin.
        "max.poll.interval.ms": max(10000, int(session_timeout_ms)),
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
        "topic.metadata.refresh.interval.ms": 1000,
    }
    if strategy != "default":
        config["partition.assignment.strategy"] = strategy
    if static == "static":
        config["group.instance.id"] = name
    consumer = Consumer(config)
    consumer.subscribe([topic])
    stop = threading.Event()

    def read_commands():
        for line in sys.stdin:
            if line.strip() == "close":
                break
        stop.set()

    threading.Thread(target=read_commands, daemon=True).start()
    reported = None
    while not stop.is_set():
        message = consumer.poll(0.1)
        assignment = sorted(tp.partition for tp in consumer.assignment())
        if assignment != reported:
            reported = assignment
            emit(event="assignment", member=name, partitions=assignment)
        if message is None:
            continue
        if message.error():
            emit(event="error", member=name, error=str(message.error()))
            continue
        emit(event="consumed", member=name, partition=message.partition(), offset=message.offset(),
             value=int(message.value()))
        try:
            results = consumer.commit(message=message, asynchronous=False)
        except KafkaException as error:
            emit(event="commit-failed", member=name, error=str(error))
            continue
        for tp in results or []:
            if tp.error is None:
                emit(event="committed", member=name, partition=tp.partition, offset=tp.offset)
            else:
                emit(event="commit-failed", member=name, error=str(tp.error))
    consumer.close()
    emit(event="closed", member=name)


class Scenario:
    def __init__(self, bootstrap, topic, group, strategy, static, session_timeout_ms):
        self.bootstrap, self.topic, self.group, self.strategy, self.static = bootstrap, topic, group, strategy, static
        self.session_timeout_ms = session_timeout_ms
        self.lock = threading.Lock()
        self.events = []
        self.assignments = {}  # live member -> partitions it reported last
        self.processes = {}
        self.failures = []

    def start(self, name):
        process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--member", self.bootstrap, self.topic, self.group, self.strategy, name,
             "static" if self.static else "dynamic", str(self.session_timeout_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.processes[name] = process
        threading.Thread(target=self.read_member, args=(name, process), daemon=True).start()

    def read_member(self, name, process):
        for line in process.stdout:
            event = json.loads(line)
            with self.lock:
                self.events.append(event)
                if event["event"] == "assignment" and self.processes.get(name) is process:
                    self.assignments[name] = event["partitions"]
                elif event["event"] == "error":
                    self.failures.append(event)

    def close(self, name):
        process = self.processes[name]
        process.stdin.write("close\n")
        process.stdin.flush()
        if process.wait(30) != 0:
            sys.exit(f"member {name} exited {process.returncode}")
        with self.lock:
            del self.processes[name]
            self.assignments.pop(name, None)

    def kill(self, name):
        process = self.processes[name]
        process.kill()
        process.wait(10)
        with self.lock:
            del self.processes[name]
            self.assignments.pop(name, None)

    def wait_until_complete(self, timeout):
        """Until every live member owns some partitions and together they own each exactly once."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                members = set(self.processes)
                owned = [p for name in members for p in self.assignments.get(name, [])]
                complete = (sorted(owned) == list(range(PARTITIONS))
                            and all(self.assignments.get(name) for name in members))
                if complete:
                    return {name: self.assignments[name] for name in sorted(members)}
            time.sleep(0.05)
        with self.lock:
            sys.exit(f"assignment incomplete after {timeout}s: {self.assignments} (members {sorted(self.processes)})")

    def assignment_changes(self):
        """How often each member (by name, across restarts) reported a new assignment so far."""
        changes = {}
        for event in self.events_of("assignment"):
            changes[event["member"]] = changes.get(event["member"], 0) + 1
        return changes

    def events_of(self, kind):
        with self.lock:
            return [e for e in self.events if e["event"] == kind]


class NumberedProducer:
    """Writes 0, 1, 2, ... round-robin over the partitions until stopped; remembers what was acknowledged."""

    def __init__(self, bootstrap, topic, rate):
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all"})
        self.topic, self.rate = topic, rate
        self.delivered = {}  # number -> (partition, offset)
        self.errors = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def on_delivery(self, error, message):
        if error is not None:
            self.errors.append(str(error))
        else:
            self.delivered[int(message.value())] = (message.partition(), message.offset())

    def run(self):
        number = 0
        start = time.monotonic()
        while not self.stopping.is_set():
            self.producer.produce(self.topic, str(number).encode(), partition=number % PARTITIONS, on_delivery=self.on_delivery)
            number += 1
            self.producer.poll(0)
            # Paced: number n goes out at start + n / rate.
            delay = start + number / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if self.producer.flush(30):
            self.errors.append("records left undelivered")

    def stop(self):
        self.stopping.set()
        self.thread.join(60)


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)


def stored_generation(data_dir, group):
    """The group's generation as the broker persisted it (`<data>/groups/shard-N.sqlite`)."""
    for path in glob.glob(os.path.join(data_dir, "groups", "shard-*.sqlite")):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT generation FROM groups WHERE group_id = ?", (group,)).fetchone()
            if row:
                return row[0]
    return None


def check_commits(consumed, committed):
    """A record consumed after a commit covering it was acknowledged is a violation."""
    commits_by_partition = {}
    for c in committed:
        commits_by_partition.setdefault(c["partition"], []).append((c["t"], c["offset"]))
    violations = []
    for c in consumed:
        covering = [offset for t, offset in commits_by_partition.get(c["partition"], []) if t < c["t"] and offset > c["offset"]]
        if covering:
            violations.append({"member": c["member"], "partition": c["partition"], "offset": c["offset"],
                               "committedBefore": max(covering)})
    return violations


def main():
    if sys.argv[1] == "--member":
        run_member(*sys.argv[2:9])
        return
    bootstrap, topic, group, strategy, steps = sys.argv[1:6]
    static = "--static" in sys.argv[6:]
    data_dir = sys.argv[sys.argv.index("--data-dir") + 1] if "--data-dir" in sys.argv else None
    session_timeout_ms = int(sys.argv[sys.argv.index("--session-timeout-ms") + 1]) if "--session-timeout-ms" in sys.argv \
        else DEFAULT_SESSION_TIMEOUT_MS
    create_topic(bootstrap, topic)
    producer = NumberedProducer(bootstrap, topic, rate=300)
    producer.thread.start()
    scenario = Scenario(bootstrap, topic, group, strategy, static, session_timeout_ms)
    phases = []
    for step in steps.split(","):
        action, name = step.split(":")
        began = time.monotonic()
        if action == "start":
            scenario.start(name)
        elif action == "close":
            scenario.close(name)
        elif action == "kill":
            scenario.kill(name)
        elif action == "restart":
            scenario.close(name)
            scenario.start(name)
        else:
            sys.exit(f"unknown step {step}")
        # A killed member's partitions move only once its session times out.
        assignment = scenario.wait_until_complete(timeout=session_timeout_ms / 1000 + 30)
        # Let records flow (and be committed) under this assignment before the next change.
        time.sleep(1.5)
        phase = {"step": step, "assignment": assignment, "seconds": round(time.monotonic() - began, 2),
                 "assignmentChanges": scenario.assignment_changes()}
        if data_dir:
            phase["generation"] = stored_generation(data_dir, group)
        phases.append(phase)
    producer.stop()

    # Everything acknowledged gets consumed by the members still there.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = {e["value"] for e in scenario.events_of("consumed")}
        if set(producer.delivered) <= seen:
            break
        time.sleep(0.1)
    for name in list(scenario.processes):
        scenario.close(name)

    consumed = scenario.events_of("consumed")
    committed = scenario.events_of("committed")
    seen = {e["value"] for e in consumed}
    mismatched = [e for e in consumed if producer.delivered.get(e["value"]) != (e["partition"], e["offset"])]
    final_committed = {}
    for c in committed:
        final_committed[c["partition"]] = max(final_committed.get(c["partition"], 0), c["offset"])
    end_offsets = {}
    for partition, offset in producer.delivered.values():
        end_offsets[partition] = max(end_offsets.get(partition, 0), offset + 1)
    print(json.dumps({
        "phases": phases,
        "produced": len(producer.delivered),
        "producerErrors": producer.errors[:5],
        "consumed": len(consumed),
        "redelivered": len(consumed) - len(seen),
        "missing": sorted(set(producer.delivered) - seen)[:20],
        "mismatched": mismatched[:5],
        "violations": check_commits(consumed, committed)[:20],
        "commitFailures": sorted({e["error"] for e in scenario.events_of("commit-failed")}),
        "consumerErrors": [e["error"] for e in scenario.failures][:5],
        "finalCommittedMatchesEnd": {str(p): final_committed.get(p) == end_offsets.get(p) for p in range(PARTITIONS)},
        "assignmentChanges": scenario.assignment_changes(),
    }))


if __name__ == "__main__":
    main()
