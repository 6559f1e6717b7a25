DELETE FROM retired_producer_batches WHERE first_offset >= ?1
