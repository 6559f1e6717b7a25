-- `metadata` is read as a BLOB so that text holding NUL bytes comes back whole (see offset_upsert.sql).
SELECT topic, partition, committed_offset, leader_epoch, CAST(metadata AS BLOB) AS metadata, commit_timestamp_ms, expire_timestamp_ms
FROM committed_offsets
WHERE group_id = :group_id
ORDER BY topic, partition;
