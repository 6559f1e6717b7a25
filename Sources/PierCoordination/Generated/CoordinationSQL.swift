// Generated from schema/sqlite/coordination by `PIER_REGENERATE=1 swift test --filter EmbeddedSQLTests`. Do not edit.

enum CoordinationSQL {
    static let migrations: [(name: String, sql: String)] = [
        ("001-znodes", #"""
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
            """#),
        ("002-sessions", #"""
            -- Sessions own ephemeral znodes. A session whose last heartbeat is older than its timeout
            -- is expired by whichever process sharing this database notices first. AUTOINCREMENT: an id is never
            -- reused, so a process that lost its session cannot mistake a newer one for its own.
            CREATE TABLE sessions (
                id                INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
                timeout_ms        INTEGER NOT NULL,
                last_heartbeat_ms INTEGER NOT NULL,
                description       TEXT    NOT NULL DEFAULT ''
            );
            """#),
        ("003-changes", #"""
            -- The change feed: one row per event a watch can fire on, in commit order.
            -- Every process sharing the database tails it, so watches fire for changes made by any of them.
            -- `zxid` is the transaction id (one per write or multi); `seq` orders events within and across them.
            CREATE TABLE changes (
                seq   INTEGER PRIMARY KEY AUTOINCREMENT,
                zxid  INTEGER NOT NULL,
                path  TEXT    NOT NULL,
                kind  TEXT    NOT NULL CHECK (kind IN ('created', 'deleted', 'data_changed', 'children_changed'))
            );

            -- The last transaction id handed out; a single row.
            CREATE TABLE zxid_counter (
                only_row  INTEGER PRIMARY KEY CHECK (only_row = 1),
                last_zxid INTEGER NOT NULL
            );

            INSERT INTO zxid_counter (only_row, last_zxid) VALUES (1, 0);
            """#),
    ]

    static let changeInsert = #"""
        INSERT INTO changes (zxid, path, kind) VALUES (:zxid, :path, :kind);
        """#

    static let changesLastSeq = #"""
        SELECT coalesce(max(seq), 0) FROM changes;
        """#

    static let changesPrune = #"""
        -- Keep the feed short: processes that tail it are at most seconds behind.
        DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - :keep;
        """#

    static let changesSince = #"""
        SELECT seq, path, kind FROM changes WHERE seq > :after_seq ORDER BY seq LIMIT :limit;
        """#

    static let nextZxid = #"""
        UPDATE zxid_counter SET last_zxid = last_zxid + 1 WHERE only_row = 1 RETURNING last_zxid;
        """#

    static let sessionDelete = #"""
        DELETE FROM sessions WHERE id = :id;
        """#

    static let sessionEphemerals = #"""
        SELECT path FROM znodes WHERE ephemeral_owner = :id ORDER BY path;
        """#

    static let sessionHeartbeat = #"""
        UPDATE sessions SET last_heartbeat_ms = :now_ms WHERE id = :id;
        """#

    static let sessionInsert = #"""
        INSERT INTO sessions (timeout_ms, last_heartbeat_ms, description) VALUES (:timeout_ms, :now_ms, :description)
        RETURNING id;
        """#

    static let sessionIsLive = #"""
        SELECT count(*) FROM sessions WHERE id = :id AND last_heartbeat_ms + timeout_ms >= :now_ms;
        """#

    static let sessionsExpired = #"""
        SELECT id FROM sessions WHERE last_heartbeat_ms + timeout_ms < :now_ms ORDER BY id;
        """#

    static let znodeChildren = #"""
        SELECT path FROM znodes WHERE parent = :path ORDER BY path;
        """#

    static let znodeChildrenChanged = #"""
        -- A child was created or deleted under :path: bump the child version and the child zxid.
        UPDATE znodes SET cversion = cversion + 1, pzxid = :zxid WHERE path = :path;
        """#

    static let znodeDelete = #"""
        DELETE FROM znodes WHERE path = :path;
        """#

    static let znodeInsert = #"""
        INSERT INTO znodes (path, parent, data, czxid, mzxid, pzxid, ctime_ms, mtime_ms, ephemeral_owner)
        VALUES (:path, :parent, :data, :zxid, :zxid, :zxid, :now_ms, :now_ms, :ephemeral_owner);
        """#

    static let znodeSelect = #"""
        SELECT data, czxid, mzxid, pzxid, ctime_ms, mtime_ms, version, cversion, ephemeral_owner,
               (SELECT count(*) FROM znodes AS child WHERE child.parent = znodes.path) AS num_children
        FROM znodes
        WHERE path = :path;
        """#

    static let znodeUpdateData = #"""
        UPDATE znodes SET data = :data, mzxid = :zxid, mtime_ms = :now_ms, version = version + 1
        WHERE path = :path;
        """#
}
