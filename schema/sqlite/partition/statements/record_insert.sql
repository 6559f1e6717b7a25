INSERT INTO records ("offset", batch_offset, timestamp, key, value, headers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
