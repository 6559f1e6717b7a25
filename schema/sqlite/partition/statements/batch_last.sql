-- The newest batch: where the log ends and the running maximum timestamp so far.
SELECT last_offset, max_timestamp_so_far FROM batches ORDER BY base_offset DESC LIMIT 1
