-- offsets.retention.minutes for a consumer group with members: positions of topics no member
-- subscribes to any more (`:subscribed_topics` is a JSON array of names) go at their explicit
-- expiry or once their commit is older than the retention, as Kafka expires them.
DELETE FROM committed_offsets
WHERE group_id = :group_id
  AND topic NOT IN (SELECT value FROM json_each(:subscribed_topics))
  AND CASE
        WHEN expire_timestamp_ms IS NOT NULL THEN expire_timestamp_ms <= :now_ms
        ELSE commit_timestamp_ms <= :now_ms - :retention_ms
      END;
