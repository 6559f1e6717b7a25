DELETE FROM groups WHERE group_id = :group_id;
