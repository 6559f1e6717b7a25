-- One row per znode. `path` is absolute ("/brokers/ids/1"); the root "/" has parent ''.
-- Stat fields follow ZooKeeper's: zxids of creation, last data change and last child change,
-- data version, child version (also the counter that numbers sequential children), ephemeral owner.
CREATE TABLE znodes (
    path            TEXT    PRIMARY KEY NOT NULL,
    parent          TEXT    NOT NULL,
    data            BLOB    NOT NULL DEFAULT x'',
    czxid           INTEGER NOT NULL,
    mzxid           INTEGER NOT NULL,
    pzxid           INTEGER NOT NULL,
    ctime_ms        INTEGER NOT NULL,
    mtime_ms        INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 0,
    cversion        INTEGER NOT NULL DEFAULT 0,
    ephemeral_owner INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX znodes_by_parent ON znodes (parent, path);

CREATE INDEX znodes_by_ephemeral_owner ON znodes (ephemeral_owner) WHERE ephemeral_owner != 0;

INSERT INTO znodes (path, parent, czxid, mzxid, pzxid, ctime_ms, mtime_ms) VALUES ('/', '', 0, 0, 0, 0, 0);
