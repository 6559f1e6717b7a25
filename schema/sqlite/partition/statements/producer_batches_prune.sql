-- Retired producer batches beyond each producer's newest five are of no use.
DELETE FROM retired_producer_batches WHERE (producer_id, first_offset) IN (
    SELECT producer_id, first_offset FROM (
        SELECT producer_id, first_offset,
               row_number() OVER (PARTITION BY producer_id ORDER BY first_offset DESC) AS recency
        FROM retired_producer_batches
    ) WHERE recency > 5
)
