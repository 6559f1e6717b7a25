-- Idempotent-producer state of batches no longer in the log (retention, DeleteRecords): the last
-- five batches of each producer id, copied here before their batches rows are deleted. Live
-- batches answer from the batches table itself, so the append path writes nothing extra.
CREATE TABLE retired_producer_batches (
    producer_id    INTEGER NOT NULL,
    producer_epoch INTEGER NOT NULL,
    first_sequence INTEGER NOT NULL,
    last_sequence  INTEGER NOT NULL,
    first_offset   INTEGER NOT NULL,
    last_offset    INTEGER NOT NULL,
    max_timestamp  INTEGER NOT NULL,
    PRIMARY KEY (producer_id, first_offset)
) STRICT, WITHOUT ROWID;
