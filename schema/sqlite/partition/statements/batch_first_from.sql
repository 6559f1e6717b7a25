-- The base offset of the first batch at or after ?1.
SELECT base_offset FROM batches WHERE base_offset >= ?1 ORDER BY base_offset LIMIT 1
