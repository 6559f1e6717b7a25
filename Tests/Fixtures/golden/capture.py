#!/usr/bin/env python3
"""Captures the exact request frames real Kafka clients send, as golden bytes for Pier's decoder tests.

A minimal fake broker on a loopback port answers just enough (ApiVersions, Metadata, Produce) for the
client to get to producing, and stores every request frame body it receives as
`<client>-<label>-<ApiName>-v<version>.bin`. The answers are hand-encoded here, independently of Pier,
so the fixtures do not depend on the code they test.

Usage: capture.py OUTPUT_DIR   (needs kcat and the confluent_kafka module)
The committed fixtures came from kcat 1.7.1 (librdkafka 2.0.2) and confluent-kafka 2.16 (librdkafka 2.16.0).
"""
import os
import socket
import struct
import subprocess
import sys
import threading

API_NAMES = {0: "Produce", 3: "Metadata", 18: "ApiVersions", 22: "InitProducerId"}
# What the fake broker advertises: non-flexible Metadata and Produce keep the hand-encoding small.
# Fetch, ListOffsets and FindCoordinator are advertised (never answered) because librdkafka enables the
# v2 record format and its codecs only when the broker's versions say it could read them back.
ADVERTISED = [(0, 3, 7), (1, 4, 11), (2, 1, 5), (3, 0, 4), (10, 0, 3), (18, 0, 3)]
TOPIC = "golden"


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def api_versions_response(version):
    if version >= 3:
        body = struct.pack(">h", 0) + uvarint(len(ADVERTISED) + 1)
        for key, lo, hi in ADVERTISED:
            body += struct.pack(">hhh", key, lo, hi) + b"\x00"
        return body + struct.pack(">i", 0) + b"\x00"
    body = struct.pack(">hi", 0, len(ADVERTISED))
    for key, lo, hi in ADVERTISED:
        body += struct.pack(">hhh", key, lo, hi)
    return body + (struct.pack(">i", 0) if version >= 1 else b"")


def metadata_response(version, port):
    assert 1 <= version <= 4, version
    body = struct.pack(">i", 0) if version >= 3 else b""
    body += struct.pack(">i", 1) + struct.pack(">i", 0) + kstring("127.0.0.1") + struct.pack(">i", port) + struct.pack(">h", -1)
    if version >= 2:
        body += kstring("golden-cluster")
    body += struct.pack(">i", 0)  # controller id
    body += struct.pack(">i", 1) + struct.pack(">h", 0) + kstring(TOPIC) + b"\x00"
    body += struct.pack(">i", 1) + struct.pack(">hii", 0, 0, 0) + struct.pack(">ii", 1, 0) + struct.pack(">ii", 1, 0)
    return body


def produce_response(version, request):
    # Request v3+: transactional id, acks, timeout, [topic [partition records]]; answer offset 0 for each partition.
    pos = 0
    (tx_len,) = struct.unpack_from(">h", request, pos); pos += 2 + max(tx_len, 0)
    (acks, _timeout, topic_count) = struct.unpack_from(">hii", request, pos); pos += 10
    if acks == 0:
        return None
    body = struct.pack(">i", topic_count)
    for _ in range(topic_count):
        (name_len,) = struct.unpack_from(">h", request, pos)
        name = request[pos + 2 : pos + 2 + name_len]; pos += 2 + name_len
        (part_count,) = struct.unpack_from(">i", request, pos); pos += 4
        body += struct.pack(">h", name_len) + name + struct.pack(">i", part_count)
        for _ in range(part_count):
            (index, rec_len) = struct.unpack_from(">ii", request, pos); pos += 8 + max(rec_len, 0)
            body += struct.pack(">ihqq", index, 0, 0, -1) + (struct.pack(">q", 0) if version >= 5 else b"")
    return body + struct.pack(">i", 0)


def serve(listener, out_dir, label, counters):
    port = listener.getsockname()[1]
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(conn, port, out_dir, label, counters), daemon=True).start()


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def handle(conn, port, out_dir, label, counters):
    with conn:
        try:
            while True:
                (size,) = struct.unpack(">i", read_exact(conn, 4))
                frame = read_exact(conn, size)
                api_key, version, correlation_id = struct.unpack_from(">hhi", frame, 0)
                name = API_NAMES.get(api_key, f"Api{api_key}")
                key = f"{label}-{name}-v{version}"
                counters[key] = counters.get(key, 0) + 1
                suffix = "" if counters[key] == 1 else f"-{counters[key]}"
                with open(os.path.join(out_dir, f"{key}{suffix}.bin"), "wb") as f:
                    f.write(frame)
                (client_id_len,) = struct.unpack_from(">h", frame, 8)
                body_start = 10 + max(client_id_len, 0)
                flexible_header = api_key == 18 and version >= 3
                if flexible_header:
                    body_start += 1  # empty tagged-field section of request header v2
                body = frame[body_start:]
                if api_key == 18:
                    response = api_versions_response(version)
                elif api_key == 3:
                    response = metadata_response(version, port)
                elif api_key == 0:
                    response = produce_response(version, body)
                else:
                    return
                if response is None:
                    continue
                payload = struct.pack(">i", correlation_id) + response
                conn.sendall(struct.pack(">i", len(payload)) + payload)
        except (EOFError, ConnectionError):
            return


def capture(out_dir, label, client_command):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    counters = {}
    threading.Thread(target=serve, args=(listener, out_dir, label, counters), daemon=True).start()
    client_command(f"127.0.0.1:{port}")
    listener.close()


def kcat_produce(codec):
    def run(bootstrap):
        lines = "".join(f"key-{i}\tvalue {i} " + "x" * 40 + "\n" for i in range(20))
        subprocess.run(
            ["kcat", "-P", "-b", bootstrap, "-t", TOPIC, "-p", "0", "-K", "\t", "-X", f"compression.codec={codec}",
             "-H", "trace=abc", "-H", "empty=", "-X", "linger.ms=50"],
            input=lines.encode(), check=True, timeout=30,
        )
    return run


def confluent_produce(codec):
    def run(bootstrap):
        import confluent_kafka
        producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 50})
        for i in range(20):
            producer.produce(TOPIC, key=f"key-{i}", value=f"value {i} " + "x" * 40, partition=0,
                             headers=[("trace", b"abc"), ("empty", b"")])
        if producer.flush(30) != 0:
            raise RuntimeError("confluent-kafka did not deliver to the fake broker")
    return run


def kcat_metadata(bootstrap):
    subprocess.run(["kcat", "-L", "-b", bootstrap, "-t", TOPIC], check=True, timeout=30, stdout=subprocess.DEVNULL)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    capture(out_dir, "kcat-metadata", kcat_metadata)
    # kcat 1.7.1 on Debian's librdkafka 2.0.2 sends gzip, snappy and lz4 uncompressed to this broker, so the
    # codec fixtures come from confluent-kafka's bundled librdkafka; kcat gives the uncompressed and zstd ones.
    for codec in ["none", "zstd"]:
        capture(out_dir, f"kcat-{codec}", kcat_produce(codec))
    for codec in ["gzip", "snappy", "lz4", "zstd"]:
        capture(out_dir, f"confluent-{codec}", confluent_produce(codec))
    # A broker that advertises no Fetch makes librdkafka fall back to the legacy v0 message format:
    # the real bytes of a request Pier must refuse rather than misread.
    global ADVERTISED
    ADVERTISED = [(0, 3, 7), (3, 0, 4), (18, 0, 3)]
    capture(out_dir, "kcat-legacy", kcat_produce("none"))


if __name__ == "__main__":
    main()
