import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import PierCoordination
import PierProtocol
import PierStorage
import PierZooKeeper
import Synchronization

/// A running broker: the Kafka listener, its coordination session and registration.
public final class Broker: Sendable {
    /// Where the first listener actually bound (port 0 in the settings picks a free one).
    public let boundPort: Int
    /// Each listener in `listeners` order: its name, the host it bound and the port (the chosen one for port 0).
    public let boundListeners: [(name: String, host: String, port: Int)]
    public let nodeID: Int32
    let context: BrokerContext
    private let inFlight: InFlightRequests
    private let group: MultiThreadedEventLoopGroup
    /// The listeners' server channels.
    private let channels: [any Channel]
    private let closeCoordination: @Sendable () -> Void
    private let session: CoordinationSession
    let watcher: MetadataWatcher
    let controller: Controller
    /// The group deadline check.
    private let timers: [RepeatedTask]
    private let logger: Logger
    private let stopping = Mutex<Task<Void, Never>?>(nil)
    private let currentStopStage = Mutex<String?>(nil)
    private let readiness: Readiness

    /// The coordination store the URI names, and how to close it; a SQLite file's directory is created if missing.
    static func openCoordination(_ uri: CoordinationURI, sessionTimeoutMilliseconds: Int64) throws -> OpenCoordination {
        switch uri {
        case .sqlite(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let store = try SQLiteZnodeStore(path: path)
            return OpenCoordination(store: store, close: { store.close() })
        case let .zookeeper(servers, chroot):
            do {
                let store = try ZooKeeperZnodeStore.open(servers: servers, chroot: chroot, sessionTimeoutMilliseconds: sessionTimeoutMilliseconds)
                return OpenCoordination(store: store, close: { store.close() })
            } catch {
                throw CoordinationUnavailable(uri: uri, reason: "\(error)")
            }
        }
    }

    struct OpenCoordination: Sendable {
        var store: any ZnodeStore
        var close: @Sendable () -> Void
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
        let coordination = try openCoordination(configuration.coordination, sessionTimeoutMilliseconds: configuration.sessionTimeoutMilliseconds)
        let store = coordination.store
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
        // Shards are coordinated once this broker leads their `__consumer_offsets` partitions.
        groups.coordinateNoShardsYet()
        let topics = TopicManager(cluster: cluster, registry: registry, configuration: configuration, logger: logger)
        let appends = AppendNotifier<TopicPartition>()
        let replicas = ReplicaManager(nodeID: configuration.nodeID, settings: configuration.replication, cluster: cluster, registry: registry,
                                      appends: appends, storageThreads: storageThreads, metrics: metrics, logger: logger)
        let groupShards = GroupShardLeadership(nodeID: configuration.nodeID, registry: registry, topics: topics, groups: groups,
                                               appends: appends, replicas: replicas, logger: logger)
        groups.shards.journal(to: groupShards)
        let context = BrokerContext(
            nodeID: configuration.nodeID, clusterID: clusterID, configuration: configuration, cluster: cluster,
            topics: topics, registry: registry, appends: appends,
            replicas: replicas, stateSync: PartitionStateSync(cluster: cluster, topics: topics, replicas: replicas, logger: logger),
            groups: groups, groupShards: groupShards,
            producerIDs: ProducerIDAllocator(cluster: cluster, nodeID: configuration.nodeID), storageThreads: storageThreads, logger: logger,
            metrics: metrics
        )
        registry.lookUpTopicConfigurations { [topics = context.topics] name in (try? topics.view(name))?.configuration }
        let router = RequestRouter(context: context)
        let inFlight = InFlightRequests()
        let bound: [BoundListener]
        do {
            bound = try await bindListeners(configuration: configuration, group: group, router: router, inFlight: inFlight, logger: logger)
        } catch {
            try? await storageThreads.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }
        let port = bound[0].port

        // Clients learn brokers' addresses from the registration (Metadata, FindCoordinator,
        // DescribeCluster): it holds each listener's advertised address, as Kafka's broker
        // registration does, and clients are told the addresses of the listener they came through.
        let endpoints = bound.map { listener in
            let advertised = listener.listener.advertisedAddress(boundPort: listener.port)
            return BrokerRegistration.Endpoint(listener: listener.listener.name, securityProtocol: listener.listener.securityProtocol.rawValue,
                                               host: advertised.host, port: Int32(advertised.port))
        }
        let registration = BrokerRegistration(
            endpoints: endpoints, interBroker: endpoints[configuration.interBrokerListenerIndex],
            registeredAtMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)
        )
        let readiness = Readiness()
        let session = CoordinationSession(store: store, cluster: cluster, nodeID: configuration.nodeID,
                                          timeoutMilliseconds: configuration.sessionTimeoutMilliseconds, registration: registration,
                                          readiness: readiness, logger: logger)
        let watcher = MetadataWatcher(cluster: cluster, topics: context.topics, registry: registry, nodeID: configuration.nodeID, logger: logger)
        let controller = Controller(cluster: cluster, nodeID: configuration.nodeID, configuration: configuration, topics: context.topics,
                                    snapshot: { watcher.snapshot }, session: { session.current }, logger: logger)
        context.controllerLink.attach(controller)
        watcher.setListeners { listeners in
            listeners.observer = replicas
            listeners.brokersChanged = { controller.brokersChanged($0) }
            listeners.topicChanged = { name, snapshot in
                controller.topicChanged(name, snapshot)
                if snapshot.topics[name] == nil { groupShards.topicDeleted(name) }
            }
            // After the replication side took its roles: a shard's journal appends check, in their
            // append turn, the leadership the replica manager publishes.
            listeners.topicApplied = { name, snapshot in
                if name == GroupShardJournal.topic { groupShards.statesChanged(snapshot.topics[name]) }
            }
        }
        do {
            _ = try await context.blocking { try session.open() }
        } catch {
            for listener in bound { try? await listener.channel.close() }
            try? await storageThreads.shutdownGracefully()
            try? await group.shutdownGracefully()
            throw error
        }
        session.onRenewal { _ in
            watcher.resynchronize()
            controller.campaign()
        }
        try await context.blocking { watcher.start() }
        controller.campaign()
        // Roles are known from the watcher's first read; the lag timer runs from now.
        replicas.start()
        // Groups kept by an earlier run (before shards had journals, or on a broker alone) need
        // their journal topic now, not only on a client's first FindCoordinator.
        if !groups.shards.existingShards().isEmpty {
            _ = try? await context.blocking {
                try groupShards.internalTopic(replicationFactor: context.configuration.offsetsTopicReplicationFactor, cluster: cluster)
            }
        }

        // Group sessions and rebalance deadlines are checked ten times a second.
        let groupDeadlines = group.next().scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
            groups.expireDeadlines()
        }
        logger.info("broker started", metadata: ["node": "\(configuration.nodeID)",
                                                  "listeners": "\(bound.map { "\($0.listener.name)://\($0.listener.host):\($0.port)" }.joined(separator: ","))",
                                                  "advertised": "\(registration.endpoints.joined(separator: ","))", "coordination": "\(configuration.coordination)",
                                                  "data": "\(configuration.dataDirectory)", "cluster": "\(clusterID)"])
        readiness.listenerBound()
        return Broker(listeners: bound, context: context, inFlight: inFlight, group: group, closeCoordination: coordination.close,
                      session: session, watcher: watcher, controller: controller, timers: [groupDeadlines], readiness: readiness, logger: logger)
    }

    private init(listeners: [BoundListener], context: BrokerContext, inFlight: InFlightRequests, group: MultiThreadedEventLoopGroup,
                 closeCoordination: @escaping @Sendable () -> Void, session: CoordinationSession, watcher: MetadataWatcher, controller: Controller,
                 timers: [RepeatedTask], readiness: Readiness, logger: Logger) {
        self.boundPort = listeners[0].port
        self.boundListeners = listeners.map { ($0.listener.name, $0.listener.host, $0.port) }
        self.channels = listeners.map(\.channel)
        self.nodeID = context.nodeID
        self.context = context
        self.inFlight = inFlight
        self.group = group
        self.closeCoordination = closeCoordination
        self.session = session
        self.watcher = watcher
        self.controller = controller
        self.timers = timers
        self.readiness = readiness
        self.logger = logger
    }

    /// Waits until the listeners close (after `shutdown`).
    public func waitUntilClosed() async throws {
        for channel in channels { try await channel.closeFuture.get() }
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

    /// What a stop in progress is doing (nil before it starts), for whoever waits on it too long.
    public var stopStage: String? { currentStopStage.withLock { $0 } }

    private func stop() async {
        // A stop that a supervisor's time limit may cut short should say where its time went.
        let clock = ContinuousClock()
        var stageStarted = clock.now
        func begin(_ stage: String?) {
            let took = stageStarted.duration(to: clock.now)
            if took > .milliseconds(500), let finished = currentStopStage.withLock({ $0 }) {
                logger.warning("slow stop", metadata: ["node": "\(nodeID)", "stage": "\(finished)", "took": "\(took)"])
            }
            stageStarted = clock.now
            currentStopStage.withLock { $0 = stage ?? "stopped" }
        }
        begin("draining requests in flight")
        readiness.stopping()
        for channel in channels { try? await channel.close() }
        inFlight.stopAccepting()
        // What waits on followers or on a rebalance ends now: no follower fetches here any more.
        context.replicas.refuseWaits()
        context.groupShards.stop()
        context.groups.stopWaiting()
        let unanswered = await inFlight.drained(timeout: Self.drainTimeout)
        if !unanswered.isEmpty {
            let named = unanswered.sorted { $0.key < $1.key }.map { "\(ApiKey(rawValue: $0.key).map { "\($0)" } ?? "api \($0.key)") × \($0.value)" }
            logger.warning("stopping with requests unanswered", metadata: ["node": "\(nodeID)", "requests": "\(named.joined(separator: ", "))"])
        }
        for timer in timers { timer.cancel() }
        // No more roles from the store, then no more fetching or ISR checks, before the logs close.
        begin("stopping the metadata watcher")
        watcher.stop()
        begin("stopping the replica fetchers")
        await context.replicas.stop()
        begin("closing the groups")
        context.groups.close()
        // Closes every connection; no request is running any more unless the drain timed out.
        begin("closing the connections")
        try? await group.shutdownGracefully()
        begin("closing the partition logs")
        context.registry.closeAll()
        try? await context.storageThreads.shutdownGracefully()
        begin("ending the coordination session")
        controller.stop()
        session.close()
        closeCoordination()
        begin(nil)
        logger.info("broker stopped", metadata: ["node": "\(nodeID)"])
    }
}

extension Broker {
    /// Parses `server.properties`-style text into settings for `start(settings:logger:)`.
    public static func parseProperties(_ text: String) throws -> [String: String] {
        try BrokerConfiguration.parseProperties(text)
    }
}
