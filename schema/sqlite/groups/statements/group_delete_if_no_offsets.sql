-- An expired group goes only if no commit arrived for it meanwhile.
DELETE FROM groups
WHERE group_id = :group_id
  AND NOT EXISTS (SELECT 1 FROM committed_offsets WHERE group_id = :group_id);
