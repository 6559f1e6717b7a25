-- Batches from base offset ?1 on, oldest first, for retention: how old and how large each is.
SELECT base_offset, last_offset, max_timestamp, size_bytes FROM batches WHERE base_offset >= ?1 ORDER BY base_offset
