#!/usr/bin/env python3
"""Cluster figures on one host: three local brokers sharing a SQLite coordination file, and
confluent-kafka producing as fast as it can.

  0. kcat (--kcat-rounds, default 3): one partition, --kcat-records 100-byte records from a file, RF=1 acks=1
     then RF=3 acks=all per round, with the brokers' CPU per record (/proc/PID/stat); the median ratio is the figure
     least bent by the client, since kcat costs little CPU beside three brokers on two cores
  1. throughput: RF=1 acks=1 (no idempotence), then RF=3 min.insync.replicas=2 acks=all (idempotent),
     the same number of partitions and record size, in the same run; prints both and the ratio
     (goal: RF=3 acks=all at least half of RF=1 acks=1)
  2. replication lag during the RF=3 run, sampled every 100 ms per partition from the replicas' own
     files (read-only SQLite): the leader's log end minus the slowest in-sync follower's, p50/p99
  3. failover: ROUNDS times, SIGKILL the leader of partition 0 under a steady producer, time from the
     kill to the first acknowledgement on that partition of a record created after it, restart the
     broker on its port and wait for the ISR to be full again; per round, median and max
     (goal: median < 3 s, max < 6 s with default settings)

  With --breakdown, two more runs between 1 and 2 tell the costs apart: RF=1 acks=all (idempotent,
  nothing to wait for but the leader) and RF=3 acks=1 (replicating, not waiting for it).

usage: scripts/bench-cluster.py [--pier BIN] [--seconds S] [--record-bytes N] [--partitions N] [--rounds N] [--breakdown] [--keep]
  --pier defaults to .build/release/pier (build it with: swift build -c release --product pier).
  Brokers listen on free 127.0.0.1 ports; their files go to a temporary directory (kept with --keep).
"""
import argparse
import json
import os
import select
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Producer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, pier, root, count=3, engine="sqlite"):
        self.engine = engine
        self.pier, self.root = pier, root
        self.ports = {i: free_port() for i in range(1, count + 1)}
        self.processes = {}

    @property
    def bootstrap(self):
        return ",".join(f"127.0.0.1:{p}" for p in self.ports.values())

    def data(self, node):
        return os.path.join(self.root, f"broker-{node}")

    def start(self, node):
        log = open(os.path.join(self.root, f"broker-{node}.log"), "a")
        process = subprocess.Popen(
            [self.pier, "serve", "--node-id", str(node), "--listen", f"127.0.0.1:{self.ports[node]}",
             "--data-dir", self.data(node), "--coordination", "sqlite:" + os.path.join(self.root, "coordination.db"),
             "--engine", self.engine],
            stdout=subprocess.PIPE, stderr=log, text=True)
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if "listening on" not in line:
            process.kill()
            sys.exit(f"broker {node} did not start within 60 s; see {log.name}")
        self.processes[node] = process

    def kill(self, node):
        process = self.processes.pop(node)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self):
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def tool(self, *arguments, timeout=20):
        result = None
        for node in list(self.processes):
            result = subprocess.run([self.pier, *arguments, "--bootstrap-server", f"127.0.0.1:{self.ports[node]}"],
                                    capture_output=True, text=True, timeout=timeout)
            if result.returncode == 0:
                return result.stdout
        raise RuntimeError(f"pier {' '.join(arguments)} failed on every broker: {result.stderr.strip() if result else 'none running'}")

    def describe(self, topic):
        """{partition: (leader, [isr])} from `pier topic describe`."""
        states = {}
        for line in self.tool("topic", "describe", topic).splitlines():
            if not line.startswith("\t"):
                continue
            fields = dict(f.split(": ", 1) if ": " in f else (f.rstrip(":"), "") for f in line.strip().split("\t"))
            isr = [int(i) for i in fields.get("Isr", "").split(",") if i]
            states[int(fields["Partition"])] = (int(fields["Leader"]), isr)
        return states

    def wait_until(self, what, condition, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (RuntimeError, subprocess.TimeoutExpired, KeyError, ValueError):
                pass
            time.sleep(0.1)
        sys.exit(f"timed out waiting until {what}")

    def create(self, topic, partitions, replication, configs=()):
        arguments = ["topic", "create", topic, "--partitions", str(partitions), "--replication-factor", str(replication)]
        for config in configs:
            arguments += ["--config", config]
        self.wait_until(f"{topic} is created", lambda: self.tool(*arguments) is not None)
        self.wait_until(f"{topic} has full ISRs", lambda: all(
            leader > 0 and len(isr) == replication for leader, isr in self.describe(topic).values()))

    def log_end(self, node, topic, partition):
        path = os.path.join(self.data(node), f"{topic}-{partition}", "partition.sqlite")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute('SELECT coalesce(max("offset"), -1) + 1 FROM records').fetchone()[0]


def produce_flat_out(bootstrap, topic, partitions, seconds, record_bytes, acks, idempotent):
    """Produces as fast as the client takes records for `seconds`; returns acknowledged records per second."""
    acknowledged = [0]

    def delivered(error, _message):
        if error is None:
            acknowledged[0] += 1

    producer = Producer({"bootstrap.servers": bootstrap, "log_level": 2, "acks": acks, "enable.idempotence": idempotent,
                         "linger.ms": 5, "batch.size": 262144, "queue.buffering.max.messages": 200000,
                         "queue.buffering.max.kbytes": 262144})
    value = b"x" * record_bytes
    started = time.monotonic()
    number = 0
    while time.monotonic() - started < seconds:
        try:
            producer.produce(topic, value, partition=number % partitions, on_delivery=delivered)
            number += 1
        except BufferError:
            producer.poll(0.005)
        if number % 1000 == 0:
            producer.poll(0)
    producer.flush(60)
    return acknowledged[0] / (time.monotonic() - started)


def broker_cpu_seconds(cluster):
    """User + system CPU of every running broker so far, from /proc/PID/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in cluster.processes.values():
        with open(f"/proc/{process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def produce_with_kcat(cluster, topic, records_path, records, acks):
    """kcat producing every line of `records_path` (one partition); returns (records/s, broker CPU us per record)."""
    cpu_before = broker_cpu_seconds(cluster)
    started = time.monotonic()
    subprocess.run(["kcat", "-P", "-b", cluster.bootstrap, "-t", topic, "-p", "0", "-X", f"acks={acks}", "-X", "linger.ms=5",
                    "-X", "batch.size=1048576", "-X", "queue.buffering.max.messages=1000000", "-l", records_path], check=True)
    elapsed = time.monotonic() - started
    return records / elapsed, (broker_cpu_seconds(cluster) - cpu_before) / records * 1e6


def kcat_rounds(cluster, rounds, records):
    """RF=1 acks=1 against RF=3 acks=all, one partition, 100-byte records from a file, rounds alternating."""
    path = os.path.join(cluster.root, "records.txt")
    with open(path, "w") as f:
        for number in range(records):
            f.write("%099d\n" % number)
    ratios = []
    for round_number in range(1, rounds + 1):
        rf1_topic, rf3_topic = f"kcat-rf1-{round_number}", f"kcat-rf3-{round_number}"
        cluster.create(rf1_topic, 1, 1)
        cluster.create(rf3_topic, 1, 3, ["min.insync.replicas=2"])
        rf1, rf1_cpu = produce_with_kcat(cluster, rf1_topic, path, records, "1")
        rf3, rf3_cpu = produce_with_kcat(cluster, rf3_topic, path, records, "all")
        ratios.append(rf3 / rf1)
        print(f"kcat round {round_number}: RF=1 acks=1 {rf1:10.0f} records/s ({rf1_cpu:.2f} us broker CPU/record), "
              f"RF=3 acks=all {rf3:10.0f} records/s ({rf3_cpu:.2f} us/record), ratio {rf3 / rf1:.2f}", flush=True)
    median = percentile(ratios, 0.5)
    print(f"kcat ratio RF=3 acks=all / RF=1 acks=1, median of {rounds}: {median:.2f} (goal >= 0.5: {'met' if median >= 0.5 else 'NOT met'})",
          flush=True)
    return median


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pier", default=os.path.join(REPO, ".build", "release", "pier"))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--record-bytes", type=int, default=512)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--kcat-rounds", type=int, default=3, help="kcat rounds (0: none); needs kcat")
    parser.add_argument("--kcat-records", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=["sqlite", "segments"], default="sqlite")
    args = parser.parse_args()
    if not os.access(args.pier, os.X_OK):
        sys.exit(f"{args.pier} is not there: swift build -c release --product pier")

    root = tempfile.mkdtemp(prefix="pier-bench-cluster-")
    cluster = Cluster(args.pier, root, engine=args.engine)
    results = {}
    try:
        for node in cluster.ports:
            cluster.start(node)
        if args.kcat_rounds > 0:
            results["kcatRatio"] = round(kcat_rounds(cluster, args.kcat_rounds, args.kcat_records), 3)
        cluster.create("bench-rf1", args.partitions, 1)
        cluster.create("bench-rf3", args.partitions, 3, ["min.insync.replicas=2"])

        rf1 = produce_flat_out(cluster.bootstrap, "bench-rf1", args.partitions, args.seconds, args.record_bytes, "1", False)
        print(f"RF=1 acks=1:   {rf1:10.0f} records/s ({rf1 * args.record_bytes / 1e6:.1f} MB/s)", flush=True)

        # Lag samples under the RF=3 load: leader log end minus the slowest in-sync follower's.
        lags = []
        states = {}
        done = threading.Event()

        def refresh_states():
            while not done.is_set():
                try:
                    states.update(cluster.describe("bench-rf3"))
                except (RuntimeError, subprocess.TimeoutExpired):
                    pass
                done.wait(2)

        def sample():
            while not done.is_set():
                for partition, (leader, isr) in list(states.items()):
                    followers = [n for n in isr if n != leader]
                    if leader <= 0 or not followers:
                        continue
                    try:
                        leader_end = cluster.log_end(leader, "bench-rf3", partition)
                        lags.append(max(0, leader_end - min(cluster.log_end(n, "bench-rf3", partition) for n in followers)))
                    except sqlite3.Error:
                        pass
                done.wait(0.1)

        threads = [threading.Thread(target=refresh_states, daemon=True), threading.Thread(target=sample, daemon=True)]
        for thread in threads:
            thread.start()
        rf3 = produce_flat_out(cluster.bootstrap, "bench-rf3", args.partitions, args.seconds, args.record_bytes, "all", True)
        done.set()
        for thread in threads:
            thread.join()
        ratio = rf3 / rf1 if rf1 else float("nan")
        print(f"RF=3 acks=all: {rf3:10.0f} records/s ({rf3 * args.record_bytes / 1e6:.1f} MB/s)", flush=True)
        print(f"ratio RF=3 acks=all / RF=1 acks=1: {ratio:.2f} (goal >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})", flush=True)
        p50, p99 = percentile(lags, 0.5), percentile(lags, 0.99)
        print(f"replication lag under load (records, leader log end - slowest ISR follower, {len(lags)} samples): "
              f"p50 {p50}, p99 {p99}", flush=True)
        results.update(rf1RecordsPerSecond=round(rf1), rf3RecordsPerSecond=round(rf3), ratio=round(ratio, 3),
                       lagP50=p50, lagP99=p99, lagSamples=len(lags))
        if args.breakdown:
            for name, topic, acks, idempotent in [("RF=1 acks=all", "bench-rf1", "all", True), ("RF=3 acks=1  ", "bench-rf3", "1", False)]:
                rate = produce_flat_out(cluster.bootstrap, topic, args.partitions, args.seconds, args.record_bytes, acks, idempotent)
                print(f"{name}: {rate:10.0f} records/s ({rate / rf1:.2f} of RF=1 acks=1)", flush=True)
                results[name.strip().replace(" ", "-").replace("=", "")] = round(rate)
            # acks=1 leaves the followers behind; the failover rounds start from caught-up replicas.
            settle(cluster, "bench-rf3", args.partitions)

        failovers = failover_rounds(cluster, args.rounds)
        if failovers:
            median, worst = statistics.median(failovers), max(failovers)
            print(f"failover (kill -> first acknowledged write): " + " ".join(f"{t:.2f}" for t in failovers)
                  + f" s; median {median:.2f} s, max {worst:.2f} s (goal median < 3 s, max < 6 s: "
                  + ("met" if median < 3 and worst < 6 else "NOT met") + ")", flush=True)
            results.update(failoverSeconds=[round(t, 3) for t in failovers], failoverMedian=round(median, 3), failoverMax=round(worst, 3))
        print(json.dumps(results))
    finally:
        cluster.stop_all()
        if args.keep:
            print(f"files kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def settle(cluster, topic, partitions, timeout=300):
    """Waits until every replica of every partition has the leader's log end (read from the files)."""
    def caught_up():
        for partition, (leader, _isr) in cluster.describe(topic).items():
            ends = {cluster.log_end(node, topic, partition) for node in cluster.processes}
            if len(ends) != 1:
                return False
        return True
    cluster.wait_until(f"the replicas of {topic} have caught up", caught_up, timeout=timeout)


def failover_rounds(cluster, rounds):
    """Kills the leader of bench-rf3's partition 0 `rounds` times under a steady idempotent producer."""
    acknowledgements = []  # (partition, created, acknowledged) in Unix seconds
    lock = threading.Lock()

    def delivered(error, message):
        if error is None:
            with lock:
                acknowledgements.append((message.partition(), message.timestamp()[1] / 1000, time.time()))

    # log_level 2: the connection failures every kill causes are expected, not worth a line each.
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "log_level": 2, "enable.idempotence": True, "linger.ms": 5,
                         "message.timeout.ms": 120000, "retry.backoff.ms": 50, "retry.backoff.max.ms": 200,
                         "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 200,
                         "socket.connection.setup.timeout.ms": 2000, "topic.metadata.refresh.interval.ms": 1000})
    stop = threading.Event()

    def produce():
        number = 0
        while not stop.is_set():
            producer.produce("bench-rf3", b"%d" % number, partition=number % 3, on_delivery=delivered)
            number += 1
            producer.poll(0.002)
        producer.flush(60)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    times = []
    try:
        for round_number in range(1, rounds + 1):
            leader = cluster.describe("bench-rf3")[0][0]
            time.sleep(1)
            killed = time.time()
            cluster.kill(leader)
            deadline = time.monotonic() + 60
            first = None
            while first is None and time.monotonic() < deadline:
                with lock:
                    after = [acked for partition, created, acked in acknowledgements if partition == 0 and created > killed]
                first = min(after) - killed if after else None
                time.sleep(0.05)
            if first is None:
                print(f"round {round_number}: no acknowledgement on partition 0 within 60 s of killing broker {leader}", flush=True)
                break
            times.append(first)
            print(f"round {round_number}: killed leader {leader}, first acknowledged write after {first:.2f} s", flush=True)
            cluster.start(leader)
            cluster.wait_until("the ISR is full again", lambda: len(cluster.describe("bench-rf3")[0][1]) == 3, timeout=120)
    finally:
        stop.set()
        thread.join()
    return times


if __name__ == "__main__":
    main()
