UPDATE sessions SET last_heartbeat_ms = :now_ms WHERE id = :id;
