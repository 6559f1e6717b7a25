-- The key index moves off the append path: an index entry per appended record cost about a third of
-- an append (docs/benchmarks.md), and with random keys each commit would dirty index pages all over
-- the file. record_keys holds (offset, key) for every keyed record below partition_state.keys_indexed_until;
-- the engine catches it up, in chunks, when it is asked for the offsets of a key, and answers from
-- record_keys plus the few records after it. Retention and truncation trim it by offset range.
DROP INDEX records_by_key;

CREATE TABLE record_keys (
    "offset" INTEGER PRIMARY KEY,
    key      BLOB NOT NULL
) STRICT;

CREATE INDEX record_keys_by_key ON record_keys (key);

-- Existing partitions start unindexed: the first key lookup indexes them.
INSERT INTO partition_state (name, value) VALUES ('keys_indexed_until', 0);

-- For people at the sqlite3 prompt: every keyed record's offset, indexed part and tail together.
-- `SELECT "offset" FROM record_offsets_by_key WHERE key = CAST('carol' AS BLOB)` probes record_keys_by_key
-- and scans only the records the engine has not indexed yet.
CREATE VIEW record_offsets_by_key AS
SELECT key, "offset" FROM record_keys
UNION ALL
SELECT key, "offset" FROM records
WHERE "offset" >= (SELECT value FROM partition_state WHERE name = 'keys_indexed_until') AND key IS NOT NULL;
