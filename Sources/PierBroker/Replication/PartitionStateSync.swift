import Logging
import PierCoordination

/// Reads one topic's partition states from the coordination store and hands them to the
/// `ReplicaManager`, as the metadata watcher does, for a request that names a partition the
/// watcher has not delivered yet (a topic this broker just created: its watch fires a moment
/// later). Reading a version already applied changes nothing, so the two never disagree.
struct PartitionStateSync: Sendable {
    let cluster: ClusterMetadata
    let topics: TopicManager
    let replicas: ReplicaManager
    let logger: Logger

    /// Blocking: one topic's partitions.
    func sync(topic name: String) throws(ClusterMetadataError) {
        guard let assignment = try cluster.topic(name) else {
            for gone in replicas.knownPartitions where gone.topic == name { replicas.partitionRemoved(gone) }
            return
        }
        let configuration = topics.configuration(overrides: try cluster.topicConfig(name))
        for (index, assigned) in assignment.replicasByPartition {
            let partition = TopicPartition(name, index)
            guard assigned.contains(replicas.nodeID) else {
                replicas.partitionRemoved(partition)
                continue
            }
            try apply(partition, assigned: assigned, configuration: configuration)
        }
    }

    private func apply(_ partition: TopicPartition, assigned: [Int32], configuration: TopicConfiguration) throws(ClusterMetadataError) {
        guard let (state, version) = try cluster.partitionState(partition.topic, partition.partition) else { return }
        replicas.partitionStateChanged(partition, replicas: assigned, state: state, znodeVersion: version, configuration: configuration)
    }

    /// Blocking: one partition's assignment and state.
    func sync(_ partition: TopicPartition) throws(ClusterMetadataError) {
        guard let assignment = try cluster.topic(partition.topic),
              let assigned = assignment.partitions[String(partition.partition)], assigned.contains(replicas.nodeID)
        else { return }
        try apply(partition, assigned: assigned, configuration: topics.configuration(overrides: try cluster.topicConfig(partition.topic)))
    }

    /// Blocking: `sync(_:)`, with a failure logged rather than thrown.
    func syncQuietly(_ partition: TopicPartition) {
        do { try sync(partition) } catch {
            logger.warning("replication: reading the partition state failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }

    /// Blocking: `sync(topic:)`, with a failure logged rather than thrown (the request that asked
    /// then finds the partition unknown and answers with a retriable error).
    func syncQuietly(topic name: String) {
        do { try sync(topic: name) } catch {
            logger.warning("replication: reading the topic state failed", metadata: ["topic": "\(name)", "error": "\(error)"])
        }
    }
}
