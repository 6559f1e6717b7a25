-- Batches move out of the database: each batch appended from now on keeps its bytes, as the producer sent
-- them (base offset and leader epoch as stored), in the partition's batch file `partition.batches` beside
-- this database, and wire_position says where in that file it starts (it is size_bytes long there).
-- A batch in the database was written twice (WAL, then checkpoint) beside its records rows, which hold
-- the same bytes: about half of an append (docs/benchmarks.md). Rows written before this migration keep
-- their wire_tail; a row has at most one of the two, and neither when the engine rebuilds batches.
-- The database stays the record of what was committed: opening the partition cuts the file back to the
-- end of the last batch here (docs/storage.md).
ALTER TABLE batches ADD COLUMN wire_position INTEGER;
