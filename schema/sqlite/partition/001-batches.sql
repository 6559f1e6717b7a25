-- Marks the file as a Pier partition ("PIER" in ASCII), in the same transaction as the first table.
PRAGMA application_id = 1346979154;

-- One row per Kafka RecordBatch v2 appended to the partition, with the header's fields as columns.
-- base_offset is the rowid, so "the batch holding offset X" is a reverse range probe on the primary key.
CREATE TABLE batches (
    base_offset            INTEGER PRIMARY KEY,
    last_offset            INTEGER NOT NULL,
    partition_leader_epoch INTEGER NOT NULL,
    -- The attributes field as sent: bits 0-2 codec, 3 timestamp type (1 = LogAppendTime), 4 transactional, 5 control.
    attributes             INTEGER NOT NULL,
    base_timestamp         INTEGER NOT NULL,
    max_timestamp          INTEGER NOT NULL,
    -- Largest max_timestamp of this batch and every earlier one: never decreases with base_offset,
    -- so the first batch that can hold a timestamp >= T is one index probe away.
    max_timestamp_so_far   INTEGER NOT NULL,
    producer_id            INTEGER NOT NULL,
    producer_epoch         INTEGER NOT NULL,
    base_sequence          INTEGER NOT NULL,
    record_count           INTEGER NOT NULL,
    crc                    INTEGER NOT NULL,
    -- Bytes of the batch on the wire; retention.bytes sums these.
    size_bytes             INTEGER NOT NULL,
    -- The batch's bytes from the magic byte (wire position 16) to its end, exactly as the producer
    -- sent them (compressed or not). base_offset, batch length and leader epoch come from the columns,
    -- so a leader stores the producer's bytes without copying them to rewrite those fields.
    -- NULL when the engine is configured to rebuild batches from the records table.
    wire_tail              BLOB
) STRICT;
