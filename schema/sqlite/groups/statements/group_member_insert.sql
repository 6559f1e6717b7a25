INSERT INTO group_members (group_id, member_id, join_order, group_instance_id, client_id, client_host,
                           session_timeout_ms, rebalance_timeout_ms, protocol_metadata, assignment)
VALUES (:group_id, :member_id, :join_order, :group_instance_id, :client_id, :client_host,
        :session_timeout_ms, :rebalance_timeout_ms, :protocol_metadata, :assignment);
