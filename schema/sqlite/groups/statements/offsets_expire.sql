-- offsets.retention.minutes: positions of groups without members, last committed before the cutoff.
DELETE FROM committed_offsets
WHERE commit_timestamp_ms < :cutoff_ms
  AND group_id NOT IN (SELECT group_id FROM groups WHERE state != 'Empty');
