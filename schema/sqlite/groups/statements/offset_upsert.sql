INSERT INTO committed_offsets (group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp_ms,
                               expire_timestamp_ms)
VALUES (:group_id, :topic, :partition, :committed_offset, :leader_epoch, :metadata, :commit_timestamp_ms, :expire_timestamp_ms)
ON CONFLICT (group_id, topic, partition) DO UPDATE SET
    committed_offset = excluded.committed_offset,
    leader_epoch = excluded.leader_epoch,
    metadata = excluded.metadata,
    commit_timestamp_ms = excluded.commit_timestamp_ms,
    expire_timestamp_ms = excluded.expire_timestamp_ms;
