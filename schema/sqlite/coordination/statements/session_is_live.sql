SELECT count(*) FROM sessions WHERE id = :id AND last_heartbeat_ms + timeout_ms >= :now_ms;
