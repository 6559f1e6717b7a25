-- The records of one batch, to rebuild it: ?1 base offset, ?2 last offset.
SELECT "offset", timestamp, key, value, headers FROM records WHERE "offset" BETWEEN ?1 AND ?2 ORDER BY "offset"
