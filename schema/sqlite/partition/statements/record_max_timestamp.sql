-- The earliest record at or after ?1 carrying the largest timestamp (ListOffsets MAX_TIMESTAMP),
-- when the batch that reached the running maximum is gone: a scan of the live batches.
SELECT base_offset, last_offset, max_timestamp FROM batches WHERE base_offset >= ?2 AND last_offset >= ?1
ORDER BY max_timestamp DESC, base_offset LIMIT 1
