import Logging
import NIOPosix
import PierCoordination

/// Everything a request handler may use: the broker's identity and settings, the coordination
/// store, topics, partition logs, and the threads that run blocking storage calls.
struct BrokerContext: Sendable {
    let nodeID: Int32
    let clusterID: String
    let configuration: BrokerConfiguration
    let cluster: ClusterMetadata
    let topics: TopicManager
    let registry: PartitionRegistry
    /// Woken by appends (the log end moved) and by the replication state (high watermark, ISR or role moved).
    let appends: AppendNotifier<TopicPartition>
    /// Every partition's role, high watermark and ISR on this broker, and the fetchers of those it follows.
    let replicas: ReplicaManager
    /// Feeds `replicas` from the coordination store until the metadata watcher does.
    let stateSync: PartitionStateSync
    let groups: GroupCoordinator
    /// Which group shards this broker coordinates, as leader of their `__consumer_offsets` partitions.
    let groupShards: GroupShardLeadership
    let producerIDs: ProducerIDAllocator
    /// SQLite and file I/O block; they run here so event loops and the cooperative pool keep moving.
    let storageThreads: NIOThreadPool
    let logger: Logger
    var metrics: BrokerMetrics = .disabled
    /// This broker's controller, for the admin requests only the active controller answers.
    let controllerLink = ControllerLink()

    /// Runs a blocking storage or coordination call on the storage threads.
    func blocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await storageThreads.runIfActive(body)
    }
}
