SELECT topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp_ms, expire_timestamp_ms
FROM committed_offsets
WHERE group_id = :group_id
ORDER BY topic, partition;
