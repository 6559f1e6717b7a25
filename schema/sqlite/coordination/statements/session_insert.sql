INSERT INTO sessions (timeout_ms, last_heartbeat_ms, description) VALUES (:timeout_ms, :now_ms, :description)
RETURNING id;
