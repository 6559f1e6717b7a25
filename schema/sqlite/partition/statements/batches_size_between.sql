-- Bytes of the batches with base offsets in [?1, ?2) that end before ?3.
SELECT coalesce(sum(size_bytes), 0) FROM batches WHERE base_offset >= ?1 AND base_offset < ?2 AND last_offset < ?3
