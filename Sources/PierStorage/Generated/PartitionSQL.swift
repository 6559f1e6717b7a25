// Generated from schema/sqlite/partition by Tests/PierStorageTests/Schema/PartitionSQLGenerator.swift.
// Do not edit: change the .sql files, then run
//   PIER_REGENERATE_SQL=1 swift test --filter PartitionSQLGeneratedTests

/// The SQL text of the partition schema: numbered migrations and the engine's statements.
enum PartitionSQL {
    /// Migrations in the order they apply: the file name without `.sql` is the migration identifier.
    static let migrations: [(identifier: String, sql: String)] = [
        ("001-batches", #"""
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
"""#),
        ("002-records", #"""
-- One row per record, uncompressed, so `sqlite3` can query every record whatever the codec.
CREATE TABLE records (
    "offset"     INTEGER PRIMARY KEY,
    -- The batch the record came from (batches.base_offset).
    batch_offset INTEGER NOT NULL,
    -- Milliseconds since the epoch, as a Kafka consumer sees it: the producer's time, or the
    -- batch's max_timestamp when the batch is LogAppendTime.
    timestamp    INTEGER NOT NULL,
    key          BLOB,
    value        BLOB,
    -- NULL when the record has no headers. Otherwise TEXT holding a JSON array of [key, value]
    -- pairs (value a string, or null) when every value is UTF-8; else a BLOB holding the headers
    -- in Kafka's record encoding (varint count, then varint-length-prefixed key and value).
    headers      ANY
) STRICT;
"""#),
        ("003-partition-state", #"""
-- Scalar state of the partition that is not derivable from the log.
CREATE TABLE partition_state (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO partition_state (name, value) VALUES ('log_start_offset', 0), ('high_watermark', 0);
"""#),
        ("004-leader-epochs", #"""
-- Leader-epoch cache for OffsetForLeaderEpoch: the offset at which each leader epoch began.
CREATE TABLE leader_epochs (
    epoch        INTEGER PRIMARY KEY,
    start_offset INTEGER NOT NULL
) STRICT;
"""#),
        ("005-retired-producer-batches", #"""
-- Idempotent-producer state of batches no longer in the log (retention, DeleteRecords): the last
-- five batches of each producer id, copied here before their batches rows are deleted. Live
-- batches answer from the batches table itself, so the append path writes nothing extra.
CREATE TABLE retired_producer_batches (
    producer_id    INTEGER NOT NULL,
    producer_epoch INTEGER NOT NULL,
    first_sequence INTEGER NOT NULL,
    last_sequence  INTEGER NOT NULL,
    first_offset   INTEGER NOT NULL,
    last_offset    INTEGER NOT NULL,
    max_timestamp  INTEGER NOT NULL,
    PRIMARY KEY (producer_id, first_offset)
) STRICT, WITHOUT ROWID;
"""#),
        ("006-indexes", #"""
-- offset for timestamp: first batch whose running maximum reaches T (one probe), then its records.
CREATE INDEX batches_by_max_timestamp_so_far ON batches (max_timestamp_so_far, base_offset);
-- Idempotent-producer state: a producer's latest batches.
CREATE INDEX batches_by_producer ON batches (producer_id, base_offset) WHERE producer_id >= 0;
-- Lookups by key (operators, compaction later on).
CREATE INDEX records_by_key ON records (key) WHERE key IS NOT NULL;
-- No index on records.timestamp: it would cost an index insert per appended record, and the running-maximum
-- index on batches already narrows any time query to a range of offsets (see docs/storage.md).
"""#),
        ("007-views", #"""
-- For people at the sqlite3 prompt: keys and values as text (as a hex literal when they hold a NUL byte),
-- headers as JSON, timestamps as ISO-8601 (UTC, milliseconds).
CREATE VIEW records_text AS
SELECT
    r."offset",
    strftime('%Y-%m-%dT%H:%M:%f', r.timestamp / 1000.0, 'unixepoch') || 'Z' AS time,
    r.timestamp,
    CASE WHEN r.key IS NULL THEN NULL
         WHEN instr(r.key, x'00') > 0 THEN 'x''' || hex(r.key) || ''''
         ELSE CAST(r.key AS TEXT) END AS key,
    CASE WHEN r.value IS NULL THEN NULL
         WHEN instr(r.value, x'00') > 0 THEN 'x''' || hex(r.value) || ''''
         ELSE CAST(r.value AS TEXT) END AS value,
    CASE typeof(r.headers) WHEN 'text' THEN r.headers WHEN 'blob' THEN json_quote('x''' || hex(r.headers) || '''') END AS headers,
    r.batch_offset
FROM records AS r;

-- Batches with their header decoded into words.
CREATE VIEW batches_text AS
SELECT
    base_offset,
    last_offset,
    record_count,
    partition_leader_epoch AS leader_epoch,
    CASE attributes & 7 WHEN 0 THEN 'none' WHEN 1 THEN 'gzip' WHEN 2 THEN 'snappy' WHEN 3 THEN 'lz4' WHEN 4 THEN 'zstd' END AS compression,
    CASE WHEN attributes & 8 THEN 'LogAppendTime' ELSE 'CreateTime' END AS timestamp_type,
    (attributes & 16) != 0 AS transactional,
    (attributes & 32) != 0 AS control,
    strftime('%Y-%m-%dT%H:%M:%f', max_timestamp / 1000.0, 'unixepoch') || 'Z' AS max_time,
    producer_id,
    producer_epoch,
    base_sequence,
    printf('0x%08x', crc) AS crc,
    size_bytes
FROM batches;
"""#),
    ]

    /// One statement per file of `statements/`.
    enum Statement {
        static let batchContaining = #"""
-- The batch whose offsets include ?1, or the last one before it: base offset and last offset.
SELECT base_offset, last_offset FROM batches WHERE base_offset <= ?1 ORDER BY base_offset DESC LIMIT 1
"""#
        static let batchFirstFrom = #"""
-- The base offset of the first batch at or after ?1.
SELECT base_offset FROM batches WHERE base_offset >= ?1 ORDER BY base_offset LIMIT 1
"""#
        static let batchForTimestamp = #"""
-- The first batch that can hold a record with timestamp >= ?1 (batches before it cannot).
SELECT base_offset FROM batches WHERE max_timestamp_so_far >= ?1 ORDER BY max_timestamp_so_far, base_offset LIMIT 1
"""#
        static let batchInsert = #"""
INSERT INTO batches (base_offset, last_offset, partition_leader_epoch, attributes, base_timestamp, max_timestamp,
                     max_timestamp_so_far, producer_id, producer_epoch, base_sequence, record_count, crc, size_bytes, wire_tail)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
"""#
        static let batchLast = #"""
-- The newest batch: where the log ends and the running maximum timestamp so far.
SELECT last_offset, max_timestamp_so_far FROM batches ORDER BY base_offset DESC LIMIT 1
"""#
        static let batchesDeleteBefore = #"""
DELETE FROM batches WHERE base_offset < ?1
"""#
        static let batchesDeleteFrom = #"""
DELETE FROM batches WHERE base_offset >= ?1
"""#
        static let batchesFetch = #"""
-- Batches from the one holding ?1 on, in offset order, stopping before ?2 (exclusive bound on last_offset).
SELECT base_offset, last_offset, partition_leader_epoch, attributes, base_timestamp, max_timestamp,
       producer_id, producer_epoch, base_sequence, record_count, size_bytes, wire_tail
FROM batches
WHERE base_offset >= coalesce((SELECT base_offset FROM batches WHERE base_offset <= ?1 ORDER BY base_offset DESC LIMIT 1), ?1)
  AND last_offset < ?2
ORDER BY base_offset
"""#
        static let batchesScan = #"""
-- Batches from base offset ?1 on, oldest first, for retention: how old and how large each is.
SELECT base_offset, last_offset, max_timestamp, size_bytes FROM batches WHERE base_offset >= ?1 ORDER BY base_offset
"""#
        static let batchesSizeBetween = #"""
-- Bytes of the batches with base offsets in [?1, ?2) that end before ?3.
SELECT coalesce(sum(size_bytes), 0) FROM batches WHERE base_offset >= ?1 AND base_offset < ?2 AND last_offset < ?3
"""#
        static let batchesWithTimestampFrom = #"""
-- Batches from base offset ?1 on that hold a record with timestamp >= ?2, in offset order.
SELECT base_offset, last_offset FROM batches WHERE base_offset >= ?1 AND max_timestamp >= ?2 ORDER BY base_offset
"""#
        static let leaderEpochInsert = #"""
INSERT INTO leader_epochs (epoch, start_offset) VALUES (?1, ?2)
"""#
        static let leaderEpochsClear = #"""
DELETE FROM leader_epochs
"""#
        static let leaderEpochsFetch = #"""
SELECT epoch, start_offset FROM leader_epochs ORDER BY epoch
"""#
        static let liveSize = #"""
-- Bytes of the batches holding offsets at or after ?2, starting from base offset ?1.
SELECT coalesce(sum(size_bytes), 0) FROM batches WHERE base_offset >= ?1 AND last_offset >= ?2
"""#
        static let producerBatches = #"""
-- The latest five batches of producer ?1, live or retired, newest first.
SELECT producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp FROM (
    SELECT producer_epoch, base_sequence AS first_sequence,
           (base_sequence + last_offset - base_offset) % 2147483648 AS last_sequence,
           base_offset AS first_offset, last_offset, max_timestamp
    FROM batches WHERE producer_id = ?1 AND producer_id >= 0
    UNION ALL
    SELECT producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp
    FROM retired_producer_batches WHERE producer_id = ?1
)
ORDER BY first_offset DESC LIMIT 5
"""#
        static let producerBatchesDeleteFrom = #"""
DELETE FROM retired_producer_batches WHERE first_offset >= ?1
"""#
        static let producerBatchesPrune = #"""
-- Retired producer batches beyond each producer's newest five are of no use.
DELETE FROM retired_producer_batches WHERE (producer_id, first_offset) IN (
    SELECT producer_id, first_offset FROM (
        SELECT producer_id, first_offset,
               row_number() OVER (PARTITION BY producer_id ORDER BY first_offset DESC) AS recency
        FROM retired_producer_batches
    ) WHERE recency > 5
)
"""#
        static let producerBatchesRetire = #"""
-- Before batches below ?1 are deleted: keep the state of their producers (the newest five of each).
INSERT OR REPLACE INTO retired_producer_batches
    (producer_id, producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp)
SELECT producer_id, producer_epoch, base_sequence, (base_sequence + last_offset - base_offset) % 2147483648,
       base_offset, last_offset, max_timestamp
FROM (
    SELECT *, row_number() OVER (PARTITION BY producer_id ORDER BY base_offset DESC) AS recency
    FROM batches WHERE producer_id >= 0 AND base_offset < ?1
)
WHERE recency <= 5
"""#
        static let recordForTimestamp = #"""
-- The first record in offsets ?1...?2 with timestamp >= ?3.
SELECT "offset", timestamp FROM records WHERE "offset" BETWEEN ?1 AND ?2 AND timestamp >= ?3 ORDER BY "offset" LIMIT 1
"""#
        static let recordInsert = #"""
INSERT INTO records ("offset", batch_offset, timestamp, key, value, headers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
"""#
        static let recordMaxTimestamp = #"""
-- The earliest record at or after ?1 carrying the largest timestamp (ListOffsets MAX_TIMESTAMP),
-- when the batch that reached the running maximum is gone: a scan of the live batches.
SELECT base_offset, last_offset, max_timestamp FROM batches WHERE base_offset >= ?2 AND last_offset >= ?1
ORDER BY max_timestamp DESC, base_offset LIMIT 1
"""#
        static let recordsByKey = #"""
-- Offsets of the records with key ?1 at or after offset ?2, oldest first, at most ?3 of them.
SELECT "offset" FROM records WHERE key = ?1 AND "offset" >= ?2 ORDER BY "offset" LIMIT ?3
"""#
        static let recordsDeleteBefore = #"""
DELETE FROM records WHERE "offset" < ?1
"""#
        static let recordsDeleteFrom = #"""
DELETE FROM records WHERE "offset" >= ?1
"""#
        static let recordsFetch = #"""
-- The records of one batch, to rebuild it: ?1 base offset, ?2 last offset.
SELECT "offset", timestamp, key, value, headers FROM records WHERE "offset" BETWEEN ?1 AND ?2 ORDER BY "offset"
"""#
        static let stateFetch = #"""
SELECT value FROM partition_state WHERE name = ?1
"""#
        static let stateUpdate = #"""
UPDATE partition_state SET value = ?2 WHERE name = ?1
"""#
    }
}
