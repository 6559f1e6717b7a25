-- One row per record, uncompressed, so `sqlite3` can query every record whatever the codec.
CREATE TABLE records (
    "offset"     INTEGER PRIMARY KEY,
    -- The batch the record came from (batches.base_offset).
    batch_offset INTEGER NOT NULL,
    -- Milliseconds since the epoch, as a Kafka consumer sees it: the producer's time, or the
    -- batch's max_timestamp when the batch is LogAppendTime.
    timestamp    INTEGER NOT NULL,
    key          BLOB,
    value        BLOB,
    -- NULL when the record has no headers. Otherwise TEXT holding a JSON array of [key, value]
    -- pairs (value a string, or null) when every value is UTF-8; else a BLOB holding the headers
    -- in Kafka's record encoding (varint count, then varint-length-prefixed key and value).
    headers      ANY
) STRICT;
