-- Before batches below ?1 are deleted: keep the state of their producers (the newest five of each).
INSERT OR REPLACE INTO retired_producer_batches
    (producer_id, producer_epoch, first_sequence, last_sequence, first_offset, last_offset, max_timestamp)
SELECT producer_id, producer_epoch, base_sequence, (base_sequence + last_offset - base_offset) % 2147483648,
       base_offset, last_offset, max_timestamp
FROM (
    SELECT *, row_number() OVER (PARTITION BY producer_id ORDER BY base_offset DESC) AS recency
    FROM batches WHERE producer_id >= 0 AND base_offset < ?1
)
WHERE recency <= 5
