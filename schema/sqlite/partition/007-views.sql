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
