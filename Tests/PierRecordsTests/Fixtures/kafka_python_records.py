#!/usr/bin/env python3
"""Cross-client checks of Pier's RecordBatch v2 codec against kafka-python's own implementation.

    kafka_python_records.py check            exit 0 when kafka-python and every codec module import
    kafka_python_records.py generate DIR     write DIR/kafka-python-<codec>.bin, one batch per codec,
                                             built by kafka-python's DefaultRecordBatchBuilder
    kafka_python_records.py decode FILE      parse every batch in FILE with kafka-python's MemoryRecords,
                                             validate each CRC, print the batches as JSON

The records follow one rule shared with Tests/PierRecordsTests/CrossClientTests.swift
(`CrossClientTests.fixtureRecords`): keep both in step.
"""
import json
import sys

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BASE_TIMESTAMP = 1_700_000_000_000
RECORD_COUNT = 50
PRODUCER_ID, PRODUCER_EPOCH, BASE_SEQUENCE = 123, 4, 56


def fixture_records():
    """(offset delta, timestamp, key, value, headers) for the shared fixture batch."""
    for i in range(RECORD_COUNT):
        key = None if i % 4 == 3 else f"key-{i}".encode()
        value = None if i % 7 == 6 else (f"value-{i} " * 8).encode()
        headers = [("trace-id", f"t-{i}".encode()), ("empty", b""), ("null", None)] if i % 3 == 0 else []
        # Record 5 predates the first record: a negative timestamp delta.
        timestamp = BASE_TIMESTAMP + 10 * i - (100 if i == 5 else 0)
        yield i, timestamp, key, value, headers


def require_modules():
    import kafka.record.default_records  # noqa: F401
    import kafka.record.memory_records  # noqa: F401
    import lz4.frame  # noqa: F401
    import snappy  # noqa: F401
    import zstandard  # noqa: F401


def generate(directory):
    from kafka.record.default_records import DefaultRecordBatchBuilder

    for name, codec in CODECS.items():
        builder = DefaultRecordBatchBuilder(
            magic=2, compression_type=codec, is_transactional=False,
            producer_id=PRODUCER_ID, producer_epoch=PRODUCER_EPOCH, base_sequence=BASE_SEQUENCE,
            batch_size=1 << 20)
        for offset, timestamp, key, value, headers in fixture_records():
            if builder.append(offset, timestamp, key, value, headers) is None:
                raise SystemExit("batch_size too small for the fixture")
        data = bytes(builder.build())
        # kafka-python silently sends uncompressed when compression does not pay off; the fixture must not.
        attributes = int.from_bytes(data[21:23], "big")
        if attributes & 7 != codec:
            raise SystemExit(f"{name}: kafka-python wrote codec {attributes & 7}")
        with open(f"{directory}/kafka-python-{name}.bin", "wb") as out:
            out.write(data)


def decode(path):
    from kafka.record.memory_records import MemoryRecords

    with open(path, "rb") as f:
        records = MemoryRecords(f.read())
    batches = []
    while True:
        batch = records.next_batch()
        if batch is None:
            break
        batches.append({
            "baseOffset": batch.base_offset,
            "magic": batch.magic,
            "compression": batch.compression_type,
            "timestampType": batch.timestamp_type,
            "isTransactional": batch.is_transactional,
            "isControl": batch.is_control_batch,
            "producerId": batch.producer_id,
            "producerEpoch": batch.producer_epoch,
            "baseSequence": batch.base_sequence,
            "crcValid": batch.validate_crc(),
            "records": [{
                "offset": record.offset,
                "timestamp": record.timestamp,
                "key": None if record.key is None else bytes(record.key).hex(),
                "value": None if record.value is None else bytes(record.value).hex(),
                "headers": [[k, None if v is None else bytes(v).hex()] for k, v in record.headers],
            } for record in batch],
        })
    json.dump(batches, sys.stdout)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "check":
        require_modules()
    elif command == "generate" and len(sys.argv) == 3:
        require_modules()
        generate(sys.argv[2])
    elif command == "decode" and len(sys.argv) == 3:
        require_modules()
        decode(sys.argv[2])
    else:
        raise SystemExit(__doc__)
