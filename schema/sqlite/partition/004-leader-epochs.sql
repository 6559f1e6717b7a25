-- Leader-epoch cache for OffsetForLeaderEpoch: the offset at which each leader epoch began.
CREATE TABLE leader_epochs (
    epoch        INTEGER PRIMARY KEY,
    start_offset INTEGER NOT NULL
) STRICT;
