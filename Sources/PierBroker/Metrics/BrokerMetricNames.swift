/// The names of every metric the broker records, in Prometheus form (`pier_` prefix, base units,
/// `_total` on counters). One place, so docs/operations.md and the tests can list them and no two
/// call sites spell a name differently (a Prometheus registry refuses one name with two label sets).
public enum BrokerMetricNames {
    // Per topic, counted as produce and fetch requests are answered.
    public static let bytesIn = "pier_topic_bytes_in_total"
    public static let recordsIn = "pier_topic_records_in_total"
    public static let bytesOut = "pier_topic_bytes_out_total"
    public static let recordsOut = "pier_topic_records_out_total"

    // Per API (Kafka's request name, e.g. `Produce`).
    public static let requests = "pier_requests_total"
    /// Failed SASL authentications (wrong password, unknown user, malformed token), by mechanism.
    public static let authenticationFailures = "pier_authentication_failures_total"
    public static let requestDuration = "pier_request_duration_seconds"

    // Per partition, read from the logs when metrics are collected.
    public static let logStartOffset = "pier_partition_log_start_offset"
    public static let logEndOffset = "pier_partition_log_end_offset"
    public static let highWatermark = "pier_partition_high_watermark"
    public static let partitionSize = "pier_partition_size_bytes"
    public static let walSize = "pier_sqlite_wal_size_bytes"

    // Per consumer group and partition: the log end offset minus the committed offset.
    public static let consumerGroupLag = "pier_consumer_group_lag"
    public static let consumerGroupCommittedOffset = "pier_consumer_group_committed_offset"

    // Counted as they happen.
    public static let retentionDeletedRecords = "pier_retention_deleted_records_total"
    public static let checkpointDuration = "pier_sqlite_checkpoint_duration_seconds"
    public static let groupOffsetsExpired = "pier_group_offsets_expired_total"

    // Replication: a single broker's in-sync replica set never changes, so these stay at zero
    // until replication moves them.
    public static let isrShrinks = "pier_isr_shrinks_total"
    public static let isrExpands = "pier_isr_expands_total"
    public static let underReplicatedPartitions = "pier_under_replicated_partitions"

    /// Every name above, for documentation checks.
    public static let all = [
        bytesIn, recordsIn, bytesOut, recordsOut, requests, requestDuration,
        logStartOffset, logEndOffset, highWatermark, partitionSize, walSize,
        consumerGroupLag, consumerGroupCommittedOffset, retentionDeletedRecords, checkpointDuration, groupOffsetsExpired,
        isrShrinks, isrExpands, underReplicatedPartitions,
    ]
}
