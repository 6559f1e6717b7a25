SELECT count(*) FROM committed_offsets WHERE group_id = :group_id;
