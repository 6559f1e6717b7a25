import PierCoordination

/// Told of the cluster state as the coordination store has it; the metadata watcher calls it.
protocol PartitionStateObserver: Sendable {
    /// The partition's assignment and state as just read (idempotent for the same znode version).
    func partitionStateChanged(_ partition: TopicPartition, replicas: [Int32], state: PartitionState, znodeVersion: Int32, configuration: TopicConfiguration)
    /// The topic was deleted, or this broker is no longer among the partition's replicas.
    func partitionRemoved(_ partition: TopicPartition)
    /// The registered brokers (ids and addresses) changed.
    func brokersChanged(_ brokers: [Int32: BrokerRegistration])
}
