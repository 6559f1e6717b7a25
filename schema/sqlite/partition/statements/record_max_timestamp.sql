-- The earliest record at or after ?1 carrying the largest timestamp (ListOffsets MAX_TIMESTAMP).
SELECT "offset", timestamp FROM records WHERE "offset" >= ?1 ORDER BY timestamp DESC, "offset" LIMIT 1
