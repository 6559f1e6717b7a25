-- Sessions own ephemeral znodes. A session whose last heartbeat is older than its timeout
-- is expired by whichever process sharing this database notices first. AUTOINCREMENT: an id is never
-- reused, so a process that lost its session cannot mistake a newer one for its own.
CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    timeout_ms        INTEGER NOT NULL,
    last_heartbeat_ms INTEGER NOT NULL,
    description       TEXT    NOT NULL DEFAULT ''
);
