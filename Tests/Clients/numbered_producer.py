"""An idempotent acks=all confluent-kafka producer writing numbered records (key and value are the
number as text; number N goes to partition N % PARTITIONS) at a steady rate until told to stop,
recording every delivery report, so a test can kill brokers meanwhile and then check each
acknowledged number against the log (verify_numbers.py).

usage: numbered_producer.py BOOTSTRAP TOPIC CONTROL_DIR [--partitions N] [--rate PER_SECOND]
                            [--message-timeout-ms MS] [--drain-seconds S] [--acks all|1] [--no-idempotence]
                            [--max-seconds S]
  CONTROL_DIR/acknowledged  one line per acknowledged record: NUMBER PARTITION OFFSET ACK_TIME CREATE_TIME
                            (appended and flushed as reports arrive; ACK_TIME is when the report came,
                            CREATE_TIME when the record was handed to the client: its timestamp; both
                            Unix seconds)
  CONTROL_DIR/failed        one line per record the client gave up on: NUMBER UNIX_TIME ERROR
  CONTROL_DIR/client.log    librdkafka's idempotence log (debug context "eos": producer ids, epoch
                            bumps, sequence errors), to tell a client's epoch bump from a broker's
                            lost duplicate when a number turns up twice
  CONTROL_DIR/stop          created by the test: produce nothing new, wait up to --drain-seconds for
                            the reports still outstanding, print one JSON summary and exit (also
                            after --max-seconds, so a producer whose test died does not run on)
The process control (which broker dies when) stays with the test; this only produces and reports.
"""
import argparse
import json
import logging
import os
import sys
import time

from confluent_kafka import Producer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("control_dir")
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--message-timeout-ms", type=int, default=120000)
    parser.add_argument("--drain-seconds", type=float, default=60.0)
    parser.add_argument("--acks", default="all")
    parser.add_argument("--no-idempotence", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()

    acknowledged_file = open(os.path.join(args.control_dir, "acknowledged"), "a")
    failed_file = open(os.path.join(args.control_dir, "failed"), "a")
    stop_file = os.path.join(args.control_dir, "stop")
    fatal_errors = []
    counts = {"acknowledged": 0, "failed": 0}
    failure_kinds = {}

    client_log = logging.getLogger("librdkafka")
    client_log.propagate = False
    client_log.setLevel(logging.DEBUG)
    log_handler = logging.FileHandler(os.path.join(args.control_dir, "client.log"))
    log_handler.setFormatter(logging.Formatter("%(created).3f %(message)s"))
    client_log.addHandler(log_handler)

    def on_error(error):
        if error.fatal():
            fatal_errors.append(str(error))

    producer = Producer({
        "bootstrap.servers": args.bootstrap, "client.id": "fault-producer",
        "enable.idempotence": not args.no_idempotence, "acks": args.acks,
        "linger.ms": 5, "message.timeout.ms": args.message_timeout_ms, "request.timeout.ms": 10000,
        "retry.backoff.ms": 50, "retry.backoff.max.ms": 200,
        "reconnect.backoff.ms": 20, "reconnect.backoff.max.ms": 200,
        "socket.connection.setup.timeout.ms": 2000, "topic.metadata.refresh.interval.ms": 1000,
        "error_cb": on_error, "debug": "eos", "logger": client_log,
    })

    def delivered(error, message):
        now = time.time()
        number = int(message.key())
        if error is None:
            counts["acknowledged"] += 1
            created = message.timestamp()[1] / 1000
            acknowledged_file.write(f"{number} {message.partition()} {message.offset()} {now:.3f} {created:.3f}\n")
        else:
            counts["failed"] += 1
            failure_kinds[error.name()] = failure_kinds.get(error.name(), 0) + 1
            failed_file.write(f"{number} {now:.3f} {error.name()}\n")

    started = time.monotonic()
    produced = 0
    last_flush = started
    while not os.path.exists(stop_file) and not fatal_errors and time.monotonic() - started < args.max_seconds:
        due = int((time.monotonic() - started) * args.rate) + 1
        while produced < due:
            text = str(produced).encode()
            try:
                producer.produce(args.topic, key=text, value=text, partition=produced % args.partitions, on_delivery=delivered)
            except BufferError:
                break
            produced += 1
        producer.poll(0.01)
        if time.monotonic() - last_flush > 0.05:
            acknowledged_file.flush()
            failed_file.flush()
            last_flush = time.monotonic()

    undelivered = producer.flush(args.drain_seconds)
    acknowledged_file.close()
    failed_file.close()
    print(json.dumps({
        "produced": produced, "acknowledged": counts["acknowledged"], "failed": counts["failed"],
        "failureKinds": failure_kinds, "undelivered": undelivered, "fatalErrors": fatal_errors,
        "seconds": round(time.monotonic() - started, 2),
    }))
    return 0 if not fatal_errors else 1


if __name__ == "__main__":
    sys.exit(main())
