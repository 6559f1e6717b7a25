DELETE FROM record_keys WHERE "offset" < ?1
