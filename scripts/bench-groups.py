#!/usr/bin/env python3
"""Consumer-group benchmarks against a real `pier serve`, with confluent-kafka (librdkafka) clients.

  (a) join: MEMBERS consumers subscribe to a MEMBERS-partition topic at once; the time from the
      first subscribe to every member holding its share (all partitions assigned), median of RUNS
      (each run a fresh group).
  (b) commits: COMMITTERS members of one stable group commit synchronously, one partition offset
      per OffsetCommit, paced to RATE commits/s in total for SECONDS; the achieved rate and the
      latency of each commit() call (request, SQLite upsert, response) as p50/p99.

usage: scripts/bench-groups.py [--pier .build/release/pier] [--bootstrap HOST:PORT]
         [--members 10] [--runs 5] [--initial-delay-ms 100] [--rate 1000] [--seconds 10] [--committers 4]
Without --bootstrap it starts `pier serve` on a free loopback port with a temporary data directory
(group.initial.rebalance.delay.ms=--initial-delay-ms) and stops it at the end. Prints a summary and
one JSON line.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def start_broker(pier, initial_delay_ms):
    data = tempfile.mkdtemp(prefix="pier-bench-groups-")
    config = os.path.join(data, "bench.properties")
    with open(config, "w") as f:
        f.write(f"group.initial.rebalance.delay.ms={initial_delay_ms}\n")
    process = subprocess.Popen([pier, "serve", "--listen", "127.0.0.1:0", "--data-dir", os.path.join(data, "data"), "--config", config],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()  # "pier: listening on HOST:PORT"
    if "listening on" not in line:
        process.kill()
        sys.exit(f"pier serve did not start: {line!r}")
    return process, data, line.rsplit(" ", 1)[1].strip()


def create_topic(bootstrap, topic, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept alive until the result is in
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def member(bootstrap, group, name):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": name, "enable.auto.commit": False,
                     "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, "partition.assignment.strategy": "range"})


def wait_for_complete_assignment(consumers, partitions, timeout=60):
    """Polls every consumer from its own thread until together they own every partition and each
    owns some; returns when that happened (time.monotonic()) and the threads' stop event."""
    stop = threading.Event()
    owned = [[] for _ in consumers]
    complete = threading.Event()
    completed_at = [None]
    lock = threading.Lock()

    def poll(index, consumer):
        while not stop.is_set():
            consumer.poll(0.01)
            assignment = [tp.partition for tp in consumer.assignment()]
            with lock:
                owned[index] = assignment
                if not complete.is_set() and all(owned) and sorted(p for o in owned for p in o) == list(range(partitions)):
                    completed_at[0] = time.monotonic()
                    complete.set()

    threads = [threading.Thread(target=poll, args=(i, c), daemon=True) for i, c in enumerate(consumers)]
    return threads, stop, complete, completed_at


def close_all(consumers):
    closers = [threading.Thread(target=c.close) for c in consumers]
    for t in closers:
        t.start()
    for t in closers:
        t.join(30)


def bench_join(bootstrap, members, runs):
    topic = f"join-{members}"
    create_topic(bootstrap, topic, members)
    seconds = []
    for run in range(runs):
        consumers = [member(bootstrap, f"join-group-{run}", f"m{i}") for i in range(members)]
        threads, stop, complete, completed_at = wait_for_complete_assignment(consumers, members)
        started = time.monotonic()
        for c in consumers:
            c.subscribe([topic])
        for t in threads:
            t.start()
        if not complete.wait(60):
            sys.exit(f"run {run}: the group did not settle within 60 s")
        seconds.append(completed_at[0] - started)
        stop.set()
        for t in threads:
            t.join()
        close_all(consumers)
    return seconds


def bench_commits(bootstrap, rate, duration, committers):
    topic, partitions = "commits", committers * 2
    create_topic(bootstrap, topic, partitions)
    consumers = [member(bootstrap, "committers", f"c{i}") for i in range(committers)]
    threads, stop, complete, _ = wait_for_complete_assignment(consumers, partitions)
    for c in consumers:
        c.subscribe([topic])
    for t in threads:
        t.start()
    if not complete.wait(60):
        sys.exit("the committing group did not settle within 60 s")
    stop.set()
    for t in threads:
        t.join()

    latencies = [[] for _ in consumers]
    failures = [0] * committers
    per_thread = rate / committers
    started = time.monotonic()

    def commit_loop(index, consumer):
        mine = [tp.partition for tp in consumer.assignment()]
        count = 0
        while True:
            due = started + count / per_thread
            now = time.monotonic()
            if due - started >= duration:
                return
            if due > now:
                time.sleep(due - now)
            consumer.poll(0)  # keeps the member alive (max.poll.interval.ms)
            offset = TopicPartition(topic, mine[count % len(mine)], count)
            before = time.monotonic()
            try:
                result = consumer.commit(offsets=[offset], asynchronous=False)
                if result[0].error is not None:
                    failures[index] += 1
                else:
                    latencies[index].append(time.monotonic() - before)
            except Exception:
                failures[index] += 1
            count += 1

    loops = [threading.Thread(target=commit_loop, args=(i, c)) for i, c in enumerate(consumers)]
    for t in loops:
        t.start()
    for t in loops:
        t.join()
    elapsed = time.monotonic() - started
    close_all(consumers)
    every = sorted(l for ls in latencies for l in ls)
    return {"commits": len(every), "failures": sum(failures), "seconds": elapsed, "rate": len(every) / elapsed,
            "p50Ms": every[len(every) // 2] * 1000 if every else None,
            "p99Ms": every[min(len(every) - 1, int(len(every) * 0.99))] * 1000 if every else None,
            "maxMs": every[-1] * 1000 if every else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pier", default=".build/release/pier")
    parser.add_argument("--bootstrap")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--initial-delay-ms", type=int, default=100)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--committers", type=int, default=4)
    args = parser.parse_args()

    broker = data = None
    bootstrap = args.bootstrap
    if not bootstrap:
        if not os.access(args.pier, os.X_OK):
            sys.exit(f"{args.pier} not found: build it with `swift build -c release --product pier` or pass --pier")
        broker, data, bootstrap = start_broker(args.pier, args.initial_delay_ms)
    try:
        joins = bench_join(bootstrap, args.members, args.runs)
        commits = bench_commits(bootstrap, args.rate, args.seconds, args.committers)
    finally:
        if broker:
            broker.send_signal(signal.SIGTERM)
            broker.wait(30)
            shutil.rmtree(data, ignore_errors=True)

    print(f"join: {args.members} members, group.initial.rebalance.delay.ms={args.initial_delay_ms}: "
          f"median {statistics.median(joins) * 1000:.0f} ms over {len(joins)} runs "
          f"({', '.join(f'{s * 1000:.0f}' for s in joins)} ms)")
    print(f"commits: target {args.rate:.0f}/s from {args.committers} members for {args.seconds:.0f} s: "
          f"{commits['rate']:.0f}/s achieved, {commits['commits']} ok, {commits['failures']} failed, "
          f"latency p50 {commits['p50Ms']:.2f} ms, p99 {commits['p99Ms']:.2f} ms, max {commits['maxMs']:.2f} ms")
    print(json.dumps({"joinSeconds": joins, "joinMedianSeconds": statistics.median(joins), "commits": commits}))


if __name__ == "__main__":
    main()
