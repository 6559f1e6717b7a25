-- The first batch that can hold a record with timestamp >= ?1 (batches before it cannot).
SELECT base_offset FROM batches WHERE max_timestamp_so_far >= ?1 ORDER BY max_timestamp_so_far, base_offset LIMIT 1
