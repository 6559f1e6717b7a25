-- `:metadata` arrives as the UTF-8 bytes of the committed metadata (a BLOB) and is stored as TEXT of
-- exactly that length: a Swift String would be bound only up to its first NUL byte, and Kafka keeps
-- metadata byte for byte ('a\x00b' stays three bytes). NULL stays NULL, '' stays ''.
INSERT INTO committed_offsets (group_id, topic, partition, committed_offset, leader_epoch, metadata, commit_timestamp_ms,
                               expire_timestamp_ms)
VALUES (:group_id, :topic, :partition, :committed_offset, :leader_epoch, CAST(:metadata AS TEXT), :commit_timestamp_ms,
        :expire_timestamp_ms)
ON CONFLICT (group_id, topic, partition) DO UPDATE SET
    committed_offset = excluded.committed_offset,
    leader_epoch = excluded.leader_epoch,
    metadata = excluded.metadata,
    commit_timestamp_ms = excluded.commit_timestamp_ms,
    expire_timestamp_ms = excluded.expire_timestamp_ms;
