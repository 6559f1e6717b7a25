-- Batches from base offset ?1 on that hold a record with timestamp >= ?2, in offset order.
SELECT base_offset, last_offset FROM batches WHERE base_offset >= ?1 AND max_timestamp >= ?2 ORDER BY base_offset
