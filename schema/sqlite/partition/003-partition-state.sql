-- Scalar state of the partition that is not derivable from the log.
CREATE TABLE partition_state (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO partition_state (name, value) VALUES ('log_start_offset', 0), ('high_watermark', 0);
