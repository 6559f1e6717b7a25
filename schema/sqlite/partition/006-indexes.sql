-- offset for timestamp: first batch whose running maximum reaches T (one probe), then its records.
CREATE INDEX batches_by_max_timestamp_so_far ON batches (max_timestamp_so_far, base_offset);
-- Idempotent-producer state: a producer's latest batches.
CREATE INDEX batches_by_producer ON batches (producer_id, base_offset) WHERE producer_id >= 0;
-- Lookups by key (operators, compaction later on).
CREATE INDEX records_by_key ON records (key) WHERE key IS NOT NULL;
-- No index on records.timestamp: it would cost an index insert per appended record, and the running-maximum
-- index on batches already narrows any time query to a range of offsets (see docs/storage.md).
