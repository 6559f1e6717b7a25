-- Where the oldest batch still in the batch file starts: the file's blocks below it hold deleted batches only.
SELECT wire_position
FROM batches
WHERE wire_position IS NOT NULL
ORDER BY base_offset
LIMIT 1
