-- Offsets of the records with key ?1 at or after offset ?2, oldest first, at most ?3 of them: from the
-- key index below ?4 (keys_indexed_until), from the records themselves at and after it.
SELECT "offset" FROM (
    SELECT "offset" FROM record_keys WHERE key = ?1 AND "offset" >= ?2 AND "offset" < ?4
    UNION ALL
    SELECT "offset" FROM records WHERE "offset" >= max(?2, ?4) AND key = ?1
)
ORDER BY "offset" LIMIT ?3
