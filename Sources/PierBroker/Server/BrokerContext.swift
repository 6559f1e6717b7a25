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
    let appends: AppendNotifier<TopicPartition>
    let groups: GroupCoordinator
    /// Which group shards this broker coordinates, as leader of their `__consumer_offsets` partitions.
    let groupShards: GroupShardLeadership
    let producerIDs: ProducerIDAllocator
    /// SQLite and file I/O block; they run here so event loops and the cooperative pool keep moving.
    let storageThreads: NIOThreadPool
    let logger: Logger
    var metrics: BrokerMetrics = .disabled

    /// Runs a blocking storage or coordination call on the storage threads.
    func blocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await storageThreads.runIfActive(body)
    }
}
