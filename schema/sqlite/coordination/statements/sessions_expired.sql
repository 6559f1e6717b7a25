SELECT id FROM sessions WHERE last_heartbeat_ms + timeout_ms < :now_ms ORDER BY id;
