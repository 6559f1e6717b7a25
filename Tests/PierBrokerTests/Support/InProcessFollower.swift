import Foundation
import Logging
import NIOPosix
@testable import PierBroker
import PierCoordination

/// A second broker's replication side inside the test process: its own data directory, partition
/// logs and `ReplicaManager`, sharing the leader's coordination store, registered there as `nodeID`.
/// It has no listener (nobody fetches from it); its fetchers connect to the leader's.
final class InProcessFollower {
    let nodeID: Int32
    let manager: ReplicaManager
    let registry: PartitionRegistry
    let dataDirectory: URL
    private let storageThreads: NIOThreadPool
    private let cluster: ClusterMetadata

    init(nodeID: Int32, sharing leader: BrokerContext, engine: StorageEngine = .sqlite,
         settings: ReplicationSettings = ReplicationSettings(fetchBackoffMilliseconds: 50)) throws {
        self.nodeID = nodeID
        cluster = leader.cluster
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-follower-\(UUID().uuidString)")
        var logger = Logger(label: "pier-test-follower")
        logger.logLevel = .warning
        registry = PartitionRegistry(dataDirectory: dataDirectory.path, engine: engine, flushPolicy: .operatingSystem, logger: logger)
        storageThreads = NIOThreadPool(numberOfThreads: 2)
        storageThreads.start()
        manager = ReplicaManager(nodeID: nodeID, settings: settings, cluster: cluster, registry: registry, appends: AppendNotifier(),
                                 storageThreads: storageThreads, metrics: .disabled, logger: logger)
        let session = try cluster.store.openSession(timeoutMilliseconds: 30_000, description: "test follower \(nodeID)")
        try cluster.registerBroker(nodeID, BrokerRegistration(host: "127.0.0.1", port: 1, registeredAtMilliseconds: 0), session: session)
    }

    /// What the metadata watcher would do: hand the partition's stored state to the manager.
    func learn(_ partition: TopicPartition, configuration: TopicConfiguration) throws {
        manager.brokersChanged(try cluster.liveBrokers())
        guard let assigned = try cluster.topic(partition.topic)?.partitions[String(partition.partition)],
              let (state, version) = try cluster.partitionState(partition.topic, partition.partition)
        else { return }
        manager.partitionStateChanged(partition, replicas: assigned, state: state, znodeVersion: version, configuration: configuration)
    }

    func stop() async {
        await manager.stop()
        registry.closeAll()
        try? await storageThreads.shutdownGracefully()
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}
