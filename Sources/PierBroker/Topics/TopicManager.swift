import Foundation
import Logging
import PierCoordination
import PierProtocol
import Synchronization

/// Creates, deletes and describes topics: their znodes in the coordination store (assignment,
/// partition states, config overrides) and their partition logs here.
///
/// Topic views are cached, since Produce and Fetch need them on every request: the metadata
/// watcher publishes every change any broker makes, and changes made through this broker refresh
/// the cache at once.
final class TopicManager: Sendable {
    let cluster: ClusterMetadata
    let registry: PartitionRegistry
    let nodeID: Int32
    /// Broker settings from the properties file and command line.
    private let staticSettings: [String: String]
    /// Dynamic broker configs as the metadata watcher (or an alteration through this broker) last read them.
    private let dynamicSettings = Mutex<(perBroker: [String: String], clusterDefault: [String: String])>(([:], [:]))
    let defaultPartitions: Int32
    let defaultReplicationFactor: Int16
    private let logger: Logger
    private let cache = Mutex<[String: TopicView]>([:])
    private let configEdits = Mutex<Void>(())

    init(cluster: ClusterMetadata, registry: PartitionRegistry, configuration: BrokerConfiguration, logger: Logger) {
        self.cluster = cluster
        self.registry = registry
        self.nodeID = configuration.nodeID
        self.staticSettings = configuration.settings
        self.defaultPartitions = configuration.defaultPartitions
        self.defaultReplicationFactor = configuration.defaultReplicationFactor
        self.logger = logger
    }

    // MARK: Reading

    /// The topic as the coordination store has it, or nil when it does not exist.
    func view(_ name: String) throws(TopicProblem) -> TopicView? {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        return try refresh(name)
    }

    /// The topic's view, or nil with the error each of its partitions gets in a per-partition
    /// answer (unknown topic, or the store's trouble reading it).
    func lookUp(_ name: String) -> (view: TopicView?, missing: ErrorCode) {
        do throws(TopicProblem) {
            return (try view(name), .unknownTopicOrPartition)
        } catch {
            return (nil, error.errorCode)
        }
    }

    /// The topic's view, or `UNKNOWN_TOPIC_OR_PARTITION`.
    func existingView(_ name: String) throws(TopicProblem) -> TopicView {
        guard let view = try view(name) else { throw .unknownTopic(name) }
        return view
    }

    /// The topic with this id (Fetch v13+ names topics by id), or nil when none has it.
    func view(topicID: KafkaUUID) throws(TopicProblem) -> TopicView? {
        if let cached = cache.withLock({ $0.values.first { KafkaUUID($0.topicID) == topicID } }) { return cached }
        for name in try topicNames() {
            if let found = try view(name), KafkaUUID(found.topicID) == topicID { return found }
        }
        return nil
    }

    /// The topic as the coordination store has it now, or `UNKNOWN_TOPIC_OR_PARTITION`: changes
    /// start from this rather than from the cache, which another broker's change may have outdated.
    func currentView(_ name: String) throws(TopicProblem) -> TopicView {
        guard let view = try refresh(name) else { throw .unknownTopic(name) }
        return view
    }

    func topicNames() throws(TopicProblem) -> [String] {
        do { return try cluster.topicNames() } catch { throw TopicProblem(error) }
    }

    func configuration(overrides: [String: String]) -> TopicConfiguration {
        TopicConfiguration(overrides: overrides, brokerLayers: brokerLayers)
    }

    /// Where topic defaults come from: dynamic broker configs over the static settings.
    var brokerLayers: BrokerConfigLayers {
        let dynamic = dynamicSettings.withLock { $0 }
        return BrokerConfigLayers(dynamicPerBroker: dynamic.perBroker, dynamicClusterDefault: dynamic.clusterDefault, staticSettings: staticSettings)
    }

    /// Broker settings that supply topic defaults (`log.retention.ms`, ...), dynamic ones included.
    var brokerDefaults: [String: String] { brokerLayers.merged }

    /// Dynamic broker configs changed (this broker's or the cluster default, by any broker): cached
    /// views were built with the old defaults, so they go and are read again on next use.
    func dynamicBrokerConfigChanged(perBroker: [String: String]? = nil, clusterDefault: [String: String]? = nil) {
        let changed = dynamicSettings.withLock { current -> Bool in
            let before = current
            if let perBroker { current.perBroker = perBroker }
            if let clusterDefault { current.clusterDefault = clusterDefault }
            return before != current
        }
        if changed { cache.withLock { $0.removeAll() } }
    }

    /// The watcher's picture of a topic replaces the cached one.
    func publish(_ view: TopicView) {
        cache.withLock { $0[view.name] = view }
    }

    /// The topic is gone (deleted by any broker).
    func forget(_ name: String) {
        _ = cache.withLock { $0.removeValue(forKey: name) }
    }

    @discardableResult
    func refresh(_ name: String) throws(TopicProblem) -> TopicView? {
        let view: TopicView?
        do {
            view = try load(name)
        } catch {
            throw TopicProblem(error)
        }
        cache.withLock { $0[name] = view }
        return view
    }

    private func load(_ name: String) throws(ClusterMetadataError) -> TopicView? {
        guard let assignment = try cluster.topic(name) else { return nil }
        var partitions: [Int32: TopicView.Partition] = [:]
        for (partition, replicas) in assignment.replicasByPartition {
            partitions[partition] = TopicView.Partition(replicas: replicas, state: try cluster.partitionState(name, partition)?.state)
        }
        let overrides = try cluster.topicConfig(name)
        return TopicView(name: name, topicID: assignment.topicUUID ?? UUID(), partitions: partitions,
                         configuration: configuration(overrides: overrides))
    }

    // MARK: Changing

    struct Creation: Sendable {
        var name: String
        /// Nil (or -1 on the wire) takes `num.partitions`.
        var partitions: Int32?
        /// Nil (or -1 on the wire) takes `default.replication.factor`.
        var replicationFactor: Int16?
        /// Explicit replicas per partition; when given, partitions and replication factor must be unset.
        var assignments: [Int32: [Int32]]?
        var configs: [String: String]
    }

    /// Creates a topic (or, with `validateOnly`, checks that it could be); returns its view.
    @discardableResult
    func create(_ creation: Creation, validateOnly: Bool = false) throws(TopicProblem) -> TopicView {
        if let problem = TopicName.problem(with: creation.name) { throw TopicProblem(.invalidTopicException, problem) }
        // Kafka's order: a name that exists is reported as such before its other settings are judged.
        if try refresh(creation.name) != nil {
            throw TopicProblem(.topicAlreadyExists, "topic '\(creation.name)' already exists")
        }
        try checkNoCollision(creation.name)
        do { try TopicConfiguration.validate(overrides: creation.configs) } catch { throw TopicProblem(error) }
        let liveBrokers: [Int32]
        do { liveBrokers = Array(try cluster.liveBrokers().keys) } catch { throw TopicProblem(error) }
        let replicas = try replicasForNewTopic(creation, liveBrokers: liveBrokers)
        let assignment = TopicAssignment(topicID: UUID(), replicas: replicas)
        if validateOnly {
            return TopicView(name: creation.name, topicID: assignment.topicUUID ?? UUID(),
                             partitions: replicas.mapValues { TopicView.Partition(replicas: $0, state: nil) },
                             configuration: configuration(overrides: creation.configs))
        }
        do {
            try cluster.createTopic(creation.name, assignment: assignment, config: creation.configs)
        } catch {
            throw TopicProblem(error)
        }
        logger.info("topic created", metadata: ["topic": "\(creation.name)", "partitions": "\(replicas.count)",
                                                "replication": "\(replicas.first?.value.count ?? 0)"])
        guard let view = try refresh(creation.name) else { throw TopicProblem.unknownTopic(creation.name) }
        return view
    }

    /// Kafka's metrics names turn '.' into '_', so "a.b" and "a_b" may not both exist.
    private func checkNoCollision(_ name: String) throws(TopicProblem) {
        guard name.contains(".") || name.contains("_") else { return }
        let normalized = Self.metricName(name)
        if let existing = try topicNames().first(where: { $0 != name && Self.metricName($0) == normalized }) {
            throw TopicProblem(.invalidTopicException, "topic '\(name)' collides with existing topic '\(existing)' ('.' and '_' are interchangeable in metric names)")
        }
    }

    private static func metricName(_ name: String) -> String {
        name.replacingOccurrences(of: ".", with: "_")
    }

    /// Kafka's controller refuses larger batches (POLICY_VIOLATION): one request must not be able to
    /// make the broker write millions of znodes and files.
    static let maximumPartitionsPerRequest = 10_000

    private func checkPartitionCount(_ count: Int) throws(TopicProblem) {
        if count > Self.maximumPartitionsPerRequest {
            throw TopicProblem(.policyViolation, "\(count) partitions in one request is more than the \(Self.maximumPartitionsPerRequest) allowed")
        }
    }

    private func replicasForNewTopic(_ creation: Creation, liveBrokers: [Int32]) throws(TopicProblem) -> [Int32: [Int32]] {
        if let assignments = creation.assignments, !assignments.isEmpty {
            guard creation.partitions == nil, creation.replicationFactor == nil else {
                throw TopicProblem(.invalidRequest, "give either replica assignments or partitions and replication factor, not both")
            }
            try checkPartitionCount(assignments.count)
            try checkManualAssignment(assignments, firstPartition: 0, liveBrokers: liveBrokers)
            return assignments
        }
        let partitions = creation.partitions ?? defaultPartitions
        let replicationFactor = creation.replicationFactor ?? defaultReplicationFactor
        try checkPartitionCount(Int(partitions))
        do {
            return try ReplicaAssignment.assign(
                partitions: Int(partitions), replicationFactor: Int(replicationFactor), brokers: liveBrokers,
                startIndex: Int.random(in: 0..<max(liveBrokers.count, 1)), shiftStart: Int.random(in: 0..<max(liveBrokers.count, 1))
            )
        } catch {
            throw TopicProblem(error)
        }
    }

    private func checkManualAssignment(_ assignments: [Int32: [Int32]], firstPartition: Int32, liveBrokers: [Int32]) throws(TopicProblem) {
        let expected = Set(firstPartition..<(firstPartition + Int32(assignments.count)))
        guard Set(assignments.keys) == expected else {
            throw TopicProblem(.invalidReplicaAssignment, "partitions must be numbered consecutively from \(firstPartition)")
        }
        let factors = Set(assignments.values.map(\.count))
        guard factors.count == 1, let factor = factors.first, factor >= 1 else {
            throw TopicProblem(.invalidReplicaAssignment, "every partition needs the same, non-zero number of replicas")
        }
        for (partition, replicas) in assignments {
            guard Set(replicas).count == replicas.count else {
                throw TopicProblem(.invalidReplicaAssignment, "partition \(partition) lists a broker twice")
            }
            // Kafka's controller answers INVALID_REPLICA_ASSIGNMENT here: the request, not the cluster, is wrong.
            if let unknown = replicas.first(where: { !liveBrokers.contains($0) }) {
                throw TopicProblem(.invalidReplicaAssignment, "broker \(unknown) in partition \(partition)'s replicas is not registered")
            }
        }
    }

    /// Deletes the topic's znodes, then its partitions' files here.
    func delete(_ name: String) throws(TopicProblem) {
        let existing = try currentView(name)
        do {
            try cluster.deleteTopic(name)
        } catch {
            throw TopicProblem(error)
        }
        cache.withLock { $0[name] = nil }
        for partition in existing.partitions.keys {
            registry.remove(TopicPartition(name, partition))
        }
        logger.info("topic deleted", metadata: ["topic": "\(name)"])
    }

    /// Grows the topic to `totalCount` partitions (CreatePartitions).
    func addPartitions(_ name: String, totalCount: Int32, assignments: [[Int32]]?, validateOnly: Bool) throws(TopicProblem) {
        let existing = try currentView(name)
        let current = Int32(existing.partitionCount)
        guard totalCount > current else {
            throw TopicProblem(.invalidPartitions, "topic '\(name)' has \(current) partitions; the new count \(totalCount) must be larger")
        }
        try checkPartitionCount(Int(totalCount - current))
        let liveBrokers: [Int32]
        do { liveBrokers = Array(try cluster.liveBrokers().keys) } catch { throw TopicProblem(error) }
        let factor = existing.partitions[0]?.replicas.count ?? Int(defaultReplicationFactor)
        let added: [Int32: [Int32]]
        // An empty list is what some clients send for "no assignments"; Kafka assigns automatically then.
        if let assignments, !assignments.isEmpty {
            guard assignments.count == Int(totalCount - current) else {
                throw TopicProblem(.invalidReplicaAssignment, "\(assignments.count) assignments given for \(totalCount - current) new partitions")
            }
            added = Dictionary(uniqueKeysWithValues: assignments.enumerated().map { (current + Int32($0.offset), $0.element) })
            try checkManualAssignment(added, firstPartition: current, liveBrokers: liveBrokers)
            if let mismatch = added.first(where: { $0.value.count != factor }) {
                throw TopicProblem(.invalidReplicaAssignment,
                                   "partition \(mismatch.key) has \(mismatch.value.count) replicas but the topic's partitions have \(factor)")
            }
        } else {
            do {
                added = try ReplicaAssignment.assign(
                    partitions: Int(totalCount - current), replicationFactor: factor, brokers: liveBrokers, firstPartition: current,
                    startIndex: Int.random(in: 0..<max(liveBrokers.count, 1)), shiftStart: Int.random(in: 0..<max(liveBrokers.count, 1))
                )
            } catch {
                throw TopicProblem(error)
            }
        }
        if validateOnly { return }
        do {
            try cluster.addPartitions(name, added)
        } catch {
            throw TopicProblem(error)
        }
        try refresh(name)
        logger.info("partitions added", metadata: ["topic": "\(name)", "partitions": "\(totalCount)"])
    }

    /// Replaces the topic's config overrides (AlterConfigs), after validating every one.
    func setConfig(_ name: String, overrides: [String: String], validateOnly: Bool) throws(TopicProblem) {
        _ = try currentView(name)
        do { try TopicConfiguration.validate(overrides: overrides) } catch { throw TopicProblem(error) }
        if validateOnly { return }
        do {
            try cluster.setTopicConfig(name, overrides)
        } catch {
            throw TopicProblem(error)
        }
        if let view = try refresh(name) { registry.apply(view.configuration, toTopic: name) }
        logger.info("topic config changed", metadata: ["topic": "\(name)", "overrides": "\(overrides.sorted { $0.key < $1.key })"])
    }

    /// Edits the topic's overrides (IncrementalAlterConfigs) from what is stored now; edits through
    /// this broker run one at a time, so two concurrent ones cannot undo each other.
    func editConfig(
        _ name: String, validateOnly: Bool, _ edit: ([String: String]) throws(TopicProblem) -> [String: String]
    ) throws(TopicProblem) {
        try configEdits.withLock { _ throws(TopicProblem) in
            let updated = try edit(try overrides(name))
            try setConfig(name, overrides: updated, validateOnly: validateOnly)
        }
    }

    /// The topic's config overrides as stored (what IncrementalAlterConfigs edits).
    func overrides(_ name: String) throws(TopicProblem) -> [String: String] {
        _ = try currentView(name)
        do { return try cluster.topicConfig(name) } catch { throw TopicProblem(error) }
    }
}
