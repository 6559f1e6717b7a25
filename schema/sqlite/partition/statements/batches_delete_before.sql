DELETE FROM batches WHERE base_offset < ?1
