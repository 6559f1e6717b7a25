-- Bytes of the batches holding offsets at or after ?2, starting from base offset ?1.
SELECT coalesce(sum(size_bytes), 0) FROM batches WHERE base_offset >= ?1 AND last_offset >= ?2
