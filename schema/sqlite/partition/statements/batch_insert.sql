INSERT INTO batches (base_offset, last_offset, partition_leader_epoch, attributes, base_timestamp, max_timestamp,
                     max_timestamp_so_far, producer_id, producer_epoch, base_sequence, record_count, crc, size_bytes, wire_tail,
                     wire_position)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
