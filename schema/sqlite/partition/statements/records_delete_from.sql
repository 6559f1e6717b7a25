DELETE FROM records WHERE "offset" >= ?1
