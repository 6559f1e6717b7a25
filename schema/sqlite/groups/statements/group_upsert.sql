INSERT INTO groups (group_id, protocol_type, protocol_name, generation, leader_id, state, updated_ms, empty_since_ms)
VALUES (:group_id, :protocol_type, :protocol_name, :generation, :leader_id, :state, :now_ms, :empty_since_ms)
ON CONFLICT (group_id) DO UPDATE SET
    protocol_type = excluded.protocol_type,
    protocol_name = excluded.protocol_name,
    generation = excluded.generation,
    leader_id = excluded.leader_id,
    state = excluded.state,
    updated_ms = excluded.updated_ms,
    empty_since_ms = excluded.empty_since_ms;
