-- Batches from the one holding ?1 on, in offset order, stopping before ?2 (exclusive bound on last_offset).
SELECT base_offset, last_offset, partition_leader_epoch, attributes, base_timestamp, max_timestamp,
       producer_id, producer_epoch, base_sequence, record_count, size_bytes, wire_tail, wire_position
FROM batches
WHERE base_offset >= coalesce((SELECT base_offset FROM batches WHERE base_offset <= ?1 ORDER BY base_offset DESC LIMIT 1), ?1)
  AND last_offset < ?2
ORDER BY base_offset
