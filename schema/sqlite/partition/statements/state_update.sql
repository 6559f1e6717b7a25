UPDATE partition_state SET value = ?2 WHERE name = ?1
