-- offsets.retention.minutes (KIP-211) for one group without members: a position goes at its explicit
-- expiry (OffsetCommit v2-v4 `retention_time_ms`) or, without one, once its commit and the time the
-- group became Empty (NULL for a group that never had members) are both older than the retention.
DELETE FROM committed_offsets
WHERE group_id = :group_id
  AND CASE
        WHEN expire_timestamp_ms IS NOT NULL THEN expire_timestamp_ms <= :now_ms
        ELSE max(commit_timestamp_ms, coalesce(:empty_since_ms, commit_timestamp_ms)) <= :now_ms - :retention_ms
      END;
