-- Committed consumer positions: one row per group, topic and partition, replaced by each commit.
-- Query with: SELECT group_id, topic, partition, committed_offset FROM committed_offsets;
CREATE TABLE committed_offsets (
    group_id            TEXT    NOT NULL,
    topic               TEXT    NOT NULL,
    partition           INTEGER NOT NULL,
    committed_offset    INTEGER NOT NULL,
    leader_epoch        INTEGER NOT NULL DEFAULT -1,
    metadata            TEXT,
    commit_timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
) WITHOUT ROWID;
