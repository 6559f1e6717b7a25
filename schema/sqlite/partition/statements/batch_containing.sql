-- The batch whose offsets include ?1, or the last one before it: base offset and last offset.
SELECT base_offset, last_offset FROM batches WHERE base_offset <= ?1 ORDER BY base_offset DESC LIMIT 1
