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
