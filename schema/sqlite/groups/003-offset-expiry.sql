-- offsets.retention.minutes (KIP-211): what expiry needs besides each position's commit time.
-- `expire_timestamp_ms` is the explicit expiry an OffsetCommit v2-v4 asked for with its
-- `retention_time_ms` (NULL: the broker's retention applies). `empty_since_ms` is when the group
-- last lost its members (NULL while it has members, and for groups that never had any).
ALTER TABLE committed_offsets ADD COLUMN expire_timestamp_ms INTEGER;
ALTER TABLE groups ADD COLUMN empty_since_ms INTEGER;

-- Member-less groups stored before this migration became Empty at their last save at the latest;
-- generation 0 means they never had members (standalone commits).
UPDATE groups SET empty_since_ms = updated_ms WHERE state = 'Empty' AND generation > 0;
