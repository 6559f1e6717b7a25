SELECT value FROM partition_state WHERE name = ?1
