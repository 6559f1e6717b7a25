-- The first record in offsets ?1...?2 with timestamp >= ?3.
SELECT "offset", timestamp FROM records WHERE "offset" BETWEEN ?1 AND ?2 AND timestamp >= ?3 ORDER BY "offset" LIMIT 1
