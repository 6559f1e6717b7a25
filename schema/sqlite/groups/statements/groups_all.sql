SELECT group_id, protocol_type, protocol_name, generation, leader_id, state, empty_since_ms FROM groups ORDER BY group_id;
