SELECT group_id, member_id, group_instance_id, client_id, client_host, session_timeout_ms, rebalance_timeout_ms,
       protocol_metadata, assignment
FROM group_members
ORDER BY group_id, join_order;
