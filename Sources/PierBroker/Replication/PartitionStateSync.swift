import Logging
import NIOCore
import PierCoordination

/// Reads every topic's partition states from the coordination store and hands them to the
/// `ReplicaManager` as the metadata watcher will: at start, after this broker's own topic changes,
/// on demand when a request names a partition not heard of yet, and on a short period so that
/// brokers sharing a store learn of each other's changes. The watch-driven metadata watcher
/// replaces the periodic pass; the observer calls stay the same.
struct PartitionStateSync: Sendable {
    let cluster: ClusterMetadata
    let topics: TopicManager
    let replicas: ReplicaManager
    let logger: Logger

    /// How often the whole namespace is read while no watcher tells of changes.
    static let period = TimeAmount.seconds(1)

    /// Blocking: reads the store and opens logs.
    func syncAll() {
        do {
            replicas.brokersChanged(try cluster.liveBrokers())
            let names = Set(try cluster.topicNames())
            for name in names.sorted() { try sync(topic: name) }
            for gone in replicas.knownPartitions where !names.contains(gone.topic) { replicas.partitionRemoved(gone) }
        } catch {
            logger.warning("replication: reading the cluster state failed", metadata: ["error": "\(error)"])
        }
    }

    /// Blocking: one topic's partitions (and the topic cache the Metadata answers come from).
    func sync(topic name: String) throws(ClusterMetadataError) {
        _ = try? topics.refresh(name)
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
            guard let (state, version) = try cluster.partitionState(name, index) else { continue }
            replicas.partitionStateChanged(partition, replicas: assigned, state: state, znodeVersion: version, configuration: configuration)
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
