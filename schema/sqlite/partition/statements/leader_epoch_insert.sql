INSERT INTO leader_epochs (epoch, start_offset) VALUES (?1, ?2)
