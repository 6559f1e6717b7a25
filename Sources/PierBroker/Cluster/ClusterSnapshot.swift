import PierCoordination

/// The cluster as this broker last read it from the coordination store: the registered brokers and
/// every topic's assignment, config overrides and partition states with their znode versions.
struct ClusterSnapshot: Sendable {
    struct Topic: Sendable {
        var assignment: TopicAssignment
        var overrides: [String: String] = [:]
        var partitions: [Int32: VersionedPartitionState] = [:]

        var replicasByPartition: [Int32: [Int32]] {
            Dictionary(uniqueKeysWithValues: assignment.replicasByPartition.map { ($0.partition, $0.replicas) })
        }
    }

    var brokers: [Int32: BrokerRegistration] = [:]
    var topics: [String: Topic] = [:]

    var liveBrokerIDs: Set<Int32> { Set(brokers.keys) }
}

struct VersionedPartitionState: Sendable, Equatable {
    var state: PartitionState
    var version: Int32
}
