import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import PierCoordination
import PierProtocol
import PierStorage
import Synchronization

/// A running broker: the Kafka listener, its coordination session and registration.
public final class Broker: Sendable {
    /// Where the listener actually bound (port 0 in the settings picks a free one).
    public let boundPort: Int
    public let nodeID: Int32
    let context: BrokerContext
    private let inFlight: InFlightRequests
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let store: SQLiteZnodeStore
    private let session: SessionID
    /// The coordination heartbeat and the group deadline check.
    private let timers: [RepeatedTask]
    private let logger: Logger
    private let stopping = Mutex<Task<Void, Never>?>(nil)
    private let readiness: Readiness

    /// Opens the coordination store the URI names; a SQLite file's directory is created if missing.
    static func openCoordination(_ uri: CoordinationURI) throws -> SQLiteZnodeStore {
        switch uri {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try SQLiteZnodeStore(path: path)
        case .zookeeper:
            throw CoordinationUnavailable(uri: uri, reason: "this build has no ZooKeeper client")
        }
    }

    struct CoordinationUnavailable: Error, CustomStringConvertible {
        var uri: CoordinationURI
        var reason: String
        var description: String { "cannot use coordination \(uri): \(reason)" }
    }

    /// Starts a broker from Kafka-style settings (`listeners`, `log.dirs`, `node.id`, ...): the
    /// properties file's, then the command line's on top. Metrics go to `metricsFactory`
    /// (`BrokerMetricNames` lists them); the default records nothing.
    public static func start(settings: [String: String], logger: Logger,
                             metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance) async throws -> Broker {
        let metrics = BrokerMetrics(factory: metricsFactory)
        var configuration = BrokerConfiguration()
        try configuration.apply(settings)
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let store = try openCoordination(configuration.coordination)
        let cluster = ClusterMetadata(store: store)
        try cluster.ensureSkeleton()
        let clusterID = try cluster.clusterID { TopicAssignment(topicID: UUID(), replicas: [:]).topicID }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let storageThreads = NIOThreadPool(numberOfThreads: configuration.ioThreads)
        storageThreads.start()
        let registry = PartitionRegistry(dataDirectory: configuration.dataDirectory, engine: configuration.storageEngine,
                                         flushPolicy: configuration.flushPolicy, metrics: metrics, logger: logger)
        let groups = GroupCoordinator(shards: GroupShards(dataDirectory: configuration.dataDirectory, count: configuration.groupShards),
                                      settings: configuration.groupSettings, storageThreads: storageThreads, logger: logger)
        do {
            try groups.load()
        } catch {
            try? await storageThreads.shutdownGracefully()
            throw error
        }
        let topics = TopicManager(cluster: cluster, registry: registry, configuration: configuration, logger: logger)
        let appends = AppendNotifier<TopicPartition>()
        let replicas = ReplicaManager(nodeID: configuration.nodeID, settings: configuration.replication, cluster: cluster, registry: registry,
                                      appends: appends, storageThreads: storageThreads, metrics: metrics, logger: logger)
        let context = BrokerContext(
            nodeID: configuration.nodeID, clusterID: clusterID, configuration: configuration, cluster: cluster,
            topics: topics, registry: registry, appends: appends,
            replicas: replicas, stateSync: PartitionStateSync(cluster: cluster, topics: topics, replicas: replicas, logger: logger),
            groups: groups,
            producerIDs: ProducerIDAllocator(cluster: cluster, nodeID: configuration.nodeID), storageThreads: storageThreads, logger: logger,
            metrics: metrics
        )
        registry.lookUpTopicConfigurations { [topics = context.topics] name in (try? topics.view(name))?.configuration }
        let router = RequestRouter(context: context)
        let inFlight = InFlightRequests()
        let maximumRequestBytes = configuration.maximumRequestBytes
        let idleTimeout = TimeAmount.milliseconds(configuration.connectionsMaxIdleMilliseconds)
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumRequestBytes)))
                        try channel.pipeline.syncOperations.addHandler(KafkaConnectionHandler(router: router, inFlight: inFlight, logger: logger))
                    }
                }
                .bind(host: configuration.listenerHost, port: configuration.listenerPort)
                .get()
        } catch {
            try? await storageThreads.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }
        let port = channel.localAddress?.port ?? configuration.listenerPort

        let sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        let session = try store.openSession(timeoutMilliseconds: sessionTimeoutMilliseconds, description: "broker \(configuration.nodeID)")
        // Clients learn brokers' addresses from the registration (Metadata, FindCoordinator,
        // DescribeCluster): it holds the advertised address, as Kafka's broker registration does.
        let advertised = configuration.advertisedListener ?? AdvertisedListener(host: configuration.listenerHost, port: port)
        let registration = BrokerRegistration(
            host: advertised.host, port: Int32(advertised.port), registeredAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)
        )
        try await register(cluster: cluster, nodeID: configuration.nodeID, registration: registration, session: session,
                           sessionTimeoutMilliseconds: sessionTimeoutMilliseconds, logger: logger)
        _ = try cluster.electController(configuration.nodeID, session: session, nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000))

        // Group sessions and rebalance deadlines are checked ten times a second.
        let groupDeadlines = group.next().scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            groups.expireDeadlines()
        }
        // Roles from the coordination store before the first request, then the lag timer, then a
        // periodic re-read so that changes made by other brokers arrive (until watches deliver them).
        context.stateSync.syncAll()
        replicas.start()
        let stateSync = context.stateSync
        let resyncLoop = group.next()
        // The next pass starts a period after the previous one ended, so passes never overlap.
        let resync = resyncLoop.scheduleRepeatedAsyncTask(initialDelay: PartitionStateSync.period, delay: PartitionStateSync.period) { _ in
            storageThreads.runIfActive(eventLoop: resyncLoop) { stateSync.syncAll() }
        }
        let readiness = Readiness()
        let heartbeat = group.next().scheduleRepeatedTask(
            initialDelay: .milliseconds(sessionTimeoutMilliseconds / 3), delay: .milliseconds(sessionTimeoutMilliseconds / 3)
        ) { _ in
            do {
                try store.heartbeat(session)
                readiness.coordinationAnswered(true)
            } catch {
                readiness.coordinationAnswered(false)
                logger.error("coordination heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
        logger.info("broker started", metadata: ["node": "\(configuration.nodeID)", "listener": "\(configuration.listenerHost):\(port)",
                                                  "advertised": "\(advertised.host):\(advertised.port)",
                                                  "data": "\(configuration.dataDirectory)", "cluster": "\(clusterID)"])
        readiness.listenerBound()
        return Broker(boundPort: port, context: context, inFlight: inFlight, group: group, channel: channel, store: store,
                      session: session, timers: [heartbeat, groupDeadlines, resync], readiness: readiness, logger: logger)
    }

    private init(boundPort: Int, context: BrokerContext, inFlight: InFlightRequests, group: MultiThreadedEventLoopGroup, channel: any Channel,
                 store: SQLiteZnodeStore, session: SessionID, timers: [RepeatedTask], readiness: Readiness, logger: Logger) {
        self.boundPort = boundPort
        self.nodeID = context.nodeID
        self.context = context
        self.inFlight = inFlight
        self.group = group
        self.channel = channel
        self.store = store
        self.session = session
        self.timers = timers
        self.readiness = readiness
        self.logger = logger
    }

    /// A restarted broker may find its previous registration still there until that session
    /// expires; it waits for it rather than failing, as a ZooKeeper-based Kafka broker does.
    private static func register(
        cluster: ClusterMetadata, nodeID: Int32, registration: BrokerRegistration, session: SessionID,
        sessionTimeoutMilliseconds: Int64, logger: Logger
    ) async throws {
        let deadline = Date().addingTimeInterval(Double(sessionTimeoutMilliseconds) / 1000 * 2)
        while true {
            let result = Result { () throws(ClusterMetadataError) in try cluster.registerBroker(nodeID, registration, session: session) }
            guard case .failure(let error) = result else { return }
            guard error == .brokerAlreadyRegistered(nodeID), Date() < deadline else { throw error }
            logger.notice("broker id still registered by an earlier session; waiting for it to expire", metadata: ["node": "\(nodeID)"])
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// Waits until the listener closes (after `shutdown`).
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    /// Stops accepting, lets requests in flight finish, closes the partition logs and ends the coordination session (removing the
    /// registration at once rather than after the session timeout). Every caller waits for the same stop.
    public func shutdown() async {
        let task = stopping.withLock { task -> Task<Void, Never> in
            if let task { return task }
            let newTask = Task { await self.stop() }
            task = newTask
            return newTask
        }
        await task.value
    }

    /// How long a graceful stop waits for requests in flight (a Fetch long-poll ends within its max_wait_ms).
    static let drainTimeout = Duration.seconds(10)

    /// Whether clients should be sent here: the Kafka listener is bound, the coordination session
    /// answered its last heartbeat, and no shutdown has begun.
    public var isReady: Bool { readiness.isReady }

    private func stop() async {
        readiness.stopping()
        try? await channel.close()
        await inFlight.drained(timeout: Self.drainTimeout)
        for timer in timers { timer.cancel() }
        await context.replicas.stop()
        context.groups.close()
        // Closes every connection; no request is running any more unless the drain timed out.
        try? await group.shutdownGracefully()
        context.registry.closeAll()
        try? await context.storageThreads.shutdownGracefully()
        do { try store.closeSession(session) } catch { logger.warning("closing the coordination session failed", metadata: ["error": "\(error)"]) }
        store.close()
        logger.info("broker stopped", metadata: ["node": "\(nodeID)"])
    }
}

extension Broker {
    /// Parses `server.properties`-style text into settings for `start(settings:logger:)`.
    public static func parseProperties(_ text: String) throws -> [String: String] {
        try BrokerConfiguration.parseProperties(text)
    }
}
