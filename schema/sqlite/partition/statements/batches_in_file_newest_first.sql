-- Batches whose bytes are in the batch file, newest first: opening the partition checks them from the end
-- until one is whole in the file (base offset, length and CRC as stored).
SELECT base_offset, wire_position, size_bytes, crc
FROM batches
WHERE wire_position IS NOT NULL
ORDER BY base_offset DESC
