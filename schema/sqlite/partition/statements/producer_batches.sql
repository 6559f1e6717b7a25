-- The latest five batches of producer ?1, live or retired, newest first.
SELECT producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp FROM (
    SELECT producer_epoch, base_sequence AS first_sequence,
           (base_sequence + last_offset - base_offset) % 2147483648 AS last_sequence,
           base_offset AS first_offset, last_offset, max_timestamp
    FROM batches WHERE producer_id = ?1 AND producer_id >= 0
    UNION ALL
    SELECT producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp
    FROM retired_producer_batches WHERE producer_id = ?1
)
ORDER BY first_offset DESC LIMIT 5
