-- One row per consumer group this shard coordinates: the generation and its outcome, so that a
-- restarted broker resumes a stable group instead of forcing every member to rejoin.
-- `state` is Kafka's name (Empty, Stable, ...); a group with members reloads as Stable, as Kafka does.
CREATE TABLE groups (
    group_id       TEXT    PRIMARY KEY NOT NULL,
    protocol_type  TEXT,
    protocol_name  TEXT,
    generation     INTEGER NOT NULL DEFAULT 0,
    leader_id      TEXT,
    state          TEXT    NOT NULL,
    updated_ms     INTEGER NOT NULL
) WITHOUT ROWID;

-- The members of each group's current generation with what the leader assigned them.
-- `protocol_metadata` is the member's subscription for the chosen protocol.
CREATE TABLE group_members (
    group_id             TEXT    NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
    member_id            TEXT    NOT NULL,
    join_order           INTEGER NOT NULL,
    group_instance_id    TEXT,
    client_id            TEXT    NOT NULL,
    client_host          TEXT    NOT NULL,
    session_timeout_ms   INTEGER NOT NULL,
    rebalance_timeout_ms INTEGER NOT NULL,
    protocol_metadata    BLOB    NOT NULL,
    assignment           BLOB    NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
