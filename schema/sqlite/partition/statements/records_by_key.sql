-- Offsets of the records with key ?1 at or after offset ?2, oldest first, at most ?3 of them.
SELECT "offset" FROM records WHERE key = ?1 AND "offset" >= ?2 ORDER BY "offset" LIMIT ?3
