import Foundation

/// The cluster's state (brokers, topics, partition leadership, topic configs) read and written as
/// Kafka's znode layout over any `ZnodeStore`. Multi-node changes are single `multi` transactions.
public struct ClusterMetadata: Sendable {
    public let store: any ZnodeStore

    public init(store: any ZnodeStore) {
        self.store = store
    }

    /// Creates the persistent top-level nodes if missing; safe to call from every broker at start.
    public func ensureSkeleton() throws(ClusterMetadataError) {
        for path in KafkaZnodes.skeleton {
            try translate { () throws(ZnodeError) in try store.createRecursively(path) }
        }
    }

    /// The cluster id, created on first use; concurrent first brokers agree on one.
    public func clusterID(generate: () -> String) throws(ClusterMetadataError) -> String {
        if let existing: ClusterIdentity = try read(KafkaZnodes.clusterID) { return existing.id }
        let data = try encode(ClusterIdentity(id: generate()))
        do {
            try store.create(KafkaZnodes.clusterID, data: data, mode: .persistent, session: nil)
        } catch .nodeExists(_) {
            // Another broker won the race; its id stands.
        } catch {
            throw .coordination(error)
        }
        guard let identity: ClusterIdentity = try read(KafkaZnodes.clusterID) else { throw .corruptNode(KafkaZnodes.clusterID) }
        return identity.id
    }

    // MARK: Brokers

    public func registerBroker(_ id: Int32, _ registration: BrokerRegistration, session: SessionID) throws(ClusterMetadataError) {
        let data = try encode(registration)
        do {
            try store.create(KafkaZnodes.broker(id), data: data, mode: .ephemeral, session: session)
        } catch .nodeExists(_) {
            throw .brokerAlreadyRegistered(id)
        } catch {
            throw .coordination(error)
        }
    }

    public func liveBrokers() throws(ClusterMetadataError) -> [Int32: BrokerRegistration] {
        var brokers: [Int32: BrokerRegistration] = [:]
        for child in try translate({ () throws(ZnodeError) in try store.getChildren(KafkaZnodes.brokerIDs) }) {
            guard let id = Int32(child) else { continue }
            // A broker may go between listing and reading: absent means not live.
            if let registration: BrokerRegistration = try read(KafkaZnodes.broker(id)) { brokers[id] = registration }
        }
        return brokers
    }

    // MARK: Topics

    /// Creates the topic's assignment, config and every partition's initial state (leader: first
    /// replica; ISR: all replicas) in one transaction.
    public func createTopic(
        _ name: String, assignment: TopicAssignment, config: [String: String], controllerEpoch: Int32 = 0
    ) throws(ClusterMetadataError) {
        var operations: [ZnodeOperation] = [
            .create(path: KafkaZnodes.topic(name), data: try encode(assignment), mode: .persistent, session: nil),
            .create(path: KafkaZnodes.partitions(name), data: [], mode: .persistent, session: nil),
        ]
        operations += try partitionCreations(name, assignment.replicasByPartition, controllerEpoch: controllerEpoch)
        let configPath = KafkaZnodes.topicConfig(name)
        if try translate({ () throws(ZnodeError) in try store.exists(configPath) }) != nil {
            operations.append(.setData(path: configPath, data: try encode(TopicConfigOverrides(config: config)), version: nil))
        } else {
            operations.append(.create(path: configPath, data: try encode(TopicConfigOverrides(config: config)), mode: .persistent, session: nil))
        }
        do {
            _ = try store.multi(operations)
        } catch .multiFailed(index: 0, cause: .nodeExists(_)) {
            throw .topicAlreadyExists(name)
        } catch {
            throw .coordination(error)
        }
    }

    public func topicNames() throws(ClusterMetadataError) -> [String] {
        try translate { () throws(ZnodeError) in try store.getChildren(KafkaZnodes.topics) }
    }

    public func topic(_ name: String) throws(ClusterMetadataError) -> TopicAssignment? {
        try read(KafkaZnodes.topic(name))
    }

    public func topicConfig(_ name: String) throws(ClusterMetadataError) -> [String: String] {
        let overrides: TopicConfigOverrides? = try read(KafkaZnodes.topicConfig(name))
        return overrides?.config ?? [:]
    }

    public func setTopicConfig(_ name: String, _ config: [String: String]) throws(ClusterMetadataError) {
        guard try topic(name) != nil else { throw .unknownTopic(name) }
        let data = try encode(TopicConfigOverrides(config: config))
        _ = try translate { () throws(ZnodeError) in try store.setData(KafkaZnodes.topicConfig(name), data: data, version: nil) }
    }

    /// The dynamic configs of a broker entity (its id, or `<default>`); empty when none were set.
    /// `watch` fires once when the node comes, changes or goes.
    public func brokerConfig(_ entity: String, watch: WatchHandler? = nil) throws(ClusterMetadataError) -> [String: String] {
        let path = KafkaZnodes.brokerConfig(entity)
        do {
            _ = try store.exists(path, watch: watch)
        } catch {
            throw .coordination(error)
        }
        let overrides: TopicConfigOverrides? = try read(path)
        return overrides?.config ?? [:]
    }

    /// Replaces a broker entity's dynamic configs, creating its node (and `/config/brokers`) on first use.
    public func setBrokerConfig(_ entity: String, _ config: [String: String]) throws(ClusterMetadataError) {
        let path = KafkaZnodes.brokerConfig(entity)
        let data = try encode(TopicConfigOverrides(config: config))
        try translate { () throws(ZnodeError) in
            do throws(ZnodeError) {
                _ = try store.setData(path, data: data, version: nil)
            } catch .noNode(_) {
                try store.createRecursively(path, data: data)
                // Another broker may have created it first; ours is the newer write.
                _ = try store.setData(path, data: data, version: nil)
            }
        }
    }

    /// Adds partitions with the given replicas, checking the assignment did not change meanwhile.
    public func addPartitions(_ name: String, _ added: [Int32: [Int32]], controllerEpoch: Int32 = 0) throws(ClusterMetadataError) {
        let path = KafkaZnodes.topic(name)
        guard let (current, version): (TopicAssignment, Int32) = try readVersioned(path) else { throw .unknownTopic(name) }
        var updated = current
        for (partition, replicas) in added { updated.partitions[String(partition)] = replicas }
        var operations: [ZnodeOperation] = [.setData(path: path, data: try encode(updated), version: version)]
        operations += try partitionCreations(name, added.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, controllerEpoch: controllerEpoch)
        do {
            _ = try store.multi(operations)
        } catch .multiFailed(index: 0, cause: .badVersion(_, _, _)) {
            throw .concurrentModification(path)
        } catch {
            throw .coordination(error)
        }
    }

    /// The topic's assignment and the znode version to pass to `updateAssignment`.
    public func versionedTopic(_ name: String) throws(ClusterMetadataError) -> (assignment: TopicAssignment, version: Int32)? {
        guard let (assignment, version): (TopicAssignment, Int32) = try readVersioned(KafkaZnodes.topic(name)) else { return nil }
        return (assignment, version)
    }

    /// Writes a topic's assignment and some of its partitions' states as the controller (a partition
    /// reassignment), all or nothing: nothing when another controller was elected since
    /// (`/controller_epoch` is no longer at `epochZnodeVersion`), or the assignment or a state changed
    /// since it was read at its expected version.
    public func updateAssignment(
        _ name: String, _ assignment: TopicAssignment, expectedVersion: Int32, states: [PartitionStateUpdate], fencedBy epochZnodeVersion: Int32
    ) throws(ClusterMetadataError) {
        let path = KafkaZnodes.topic(name)
        var operations: [ZnodeOperation] = [
            .check(path: KafkaZnodes.controllerEpoch, version: epochZnodeVersion),
            .setData(path: path, data: try encode(assignment), version: expectedVersion),
        ]
        for update in states {
            operations.append(.setData(path: KafkaZnodes.partitionState(update.topic, update.partition), data: try encode(update.state),
                                       version: update.expectedVersion))
        }
        do {
            _ = try store.multi(operations)
        } catch .multiFailed(index: 0, cause: _) {
            throw .controllerFenced
        } catch .multiFailed(index: 1, cause: .badVersion(_, _, _)) {
            throw .concurrentModification(path)
        } catch .multiFailed(let index, cause: .badVersion(_, _, _)) {
            throw .concurrentModification(KafkaZnodes.partitionState(states[index - 2].topic, states[index - 2].partition))
        } catch .multiFailed(_, cause: .noNode(_)) {
            throw .unknownTopic(name)
        } catch {
            throw .coordination(error)
        }
    }

    /// Deletes the topic's nodes (states, partitions, assignment, config) in one transaction.
    public func deleteTopic(_ name: String) throws(ClusterMetadataError) {
        guard let assignment = try topic(name) else { throw .unknownTopic(name) }
        var operations: [ZnodeOperation] = []
        for (partition, _) in assignment.replicasByPartition {
            operations.append(.delete(path: KafkaZnodes.partitionState(name, partition), version: nil))
            operations.append(.delete(path: KafkaZnodes.partition(name, partition), version: nil))
        }
        operations.append(.delete(path: KafkaZnodes.partitions(name), version: nil))
        operations.append(.delete(path: KafkaZnodes.topic(name), version: nil))
        if try translate({ () throws(ZnodeError) in try store.exists(KafkaZnodes.topicConfig(name)) }) != nil {
            operations.append(.delete(path: KafkaZnodes.topicConfig(name), version: nil))
        }
        do {
            _ = try store.multi(operations)
        } catch .multiFailed(_, cause: .noNode(_)) {
            throw .unknownTopic(name)  // deleted concurrently
        } catch {
            throw .coordination(error)
        }
    }

    // MARK: Partition state

    /// The partition's state and the znode version to pass to `updatePartitionState`.
    public func partitionState(_ topic: String, _ partition: Int32) throws(ClusterMetadataError) -> (state: PartitionState, version: Int32)? {
        guard let (state, version): (PartitionState, Int32) = try readVersioned(KafkaZnodes.partitionState(topic, partition)) else {
            return nil
        }
        return (state, version)
    }

    /// Compare-and-set: succeeds only if nobody changed the state since it was read at `expectedVersion`.
    @discardableResult
    public func updatePartitionState(
        _ topic: String, _ partition: Int32, _ state: PartitionState, expectedVersion: Int32
    ) throws(ClusterMetadataError) -> Int32 {
        let path = KafkaZnodes.partitionState(topic, partition)
        let data = try encode(state)
        do {
            return try store.setData(path, data: data, version: expectedVersion).version
        } catch .badVersion(_, _, _) {
            throw .concurrentModification(path)
        } catch .noNode(_) {
            throw .unknownTopic(topic)
        } catch {
            throw .coordination(error)
        }
    }

    // MARK: Controller

    /// Tries to become controller: `elected` when this broker now holds the ephemeral `/controller` node.
    /// Each successful election bumps `/controller_epoch`; the winner's writes check that node's
    /// version (`epochZnodeVersion`), which fences a deposed controller that has not noticed yet.
    public func electController(_ brokerID: Int32, session: SessionID, nowMilliseconds: Int64) throws(ClusterMetadataError) -> ControllerElection {
        let registration = try encode(ControllerRegistration(brokerID: brokerID, electedAtMilliseconds: nowMilliseconds))
        let epochNode = try translate { () throws(ZnodeError) in try store.exists(KafkaZnodes.controllerEpoch) }
        var currentEpoch: Int32 = 0
        if epochNode != nil {
            let (data, _) = try translate { () throws(ZnodeError) in try store.getData(KafkaZnodes.controllerEpoch) }
            guard let epoch = Int32(String(decoding: data, as: UTF8.self)) else { throw .corruptNode(KafkaZnodes.controllerEpoch) }
            currentEpoch = epoch
        }
        let nextEpoch = Array(String(currentEpoch + 1).utf8)
        let epochOperation: ZnodeOperation = epochNode.map { .setData(path: KafkaZnodes.controllerEpoch, data: nextEpoch, version: $0.version) }
            ?? .create(path: KafkaZnodes.controllerEpoch, data: nextEpoch, mode: .persistent, session: nil)
        do {
            let results = try store.multi([.create(path: KafkaZnodes.controller, data: registration, mode: .ephemeral, session: session), epochOperation])
            var version: Int32 = 0
            if case .dataSet(let stat)? = results.last { version = stat.version }
            return ControllerElection(elected: true, epoch: currentEpoch + 1, epochZnodeVersion: version)
        } catch .multiFailed(_, cause: .nodeExists(_)), .multiFailed(_, cause: .badVersion(_, _, _)) {
            return ControllerElection(elected: false, epoch: currentEpoch, epochZnodeVersion: epochNode?.version ?? -1)
        } catch {
            throw .coordination(error)
        }
    }

    /// The controller's broker id, nil when there is none; `watch` fires once when `/controller` comes, changes or goes.
    public func controller(watch: WatchHandler?) throws(ClusterMetadataError) -> Int32? {
        let data: [UInt8]?
        do {
            _ = try store.exists(KafkaZnodes.controller, watch: watch)
            data = try store.getData(KafkaZnodes.controller).data
        } catch .noNode(_) {
            data = nil
        } catch {
            throw .coordination(error)
        }
        guard let data else { return nil }
        do {
            return try JSONDecoder().decode(ControllerRegistration.self, from: Data(data)).brokerID
        } catch {
            throw .corruptNode(KafkaZnodes.controller)
        }
    }

    /// Writes partition states as the controller: all of them, or none when another controller was
    /// elected since (`/controller_epoch` is no longer at `epochZnodeVersion`) or a state changed
    /// since it was read at its expected version.
    public func updatePartitionStates(
        _ updates: [PartitionStateUpdate], fencedBy epochZnodeVersion: Int32
    ) throws(ClusterMetadataError) -> [Int32] {
        guard !updates.isEmpty else { return [] }
        var operations: [ZnodeOperation] = [.check(path: KafkaZnodes.controllerEpoch, version: epochZnodeVersion)]
        for update in updates {
            operations.append(.setData(path: KafkaZnodes.partitionState(update.topic, update.partition), data: try encode(update.state),
                                       version: update.expectedVersion))
        }
        do {
            let results = try store.multi(operations)
            return results.dropFirst().map { result in
                if case .dataSet(let stat) = result { return stat.version }
                return -1
            }
        } catch .multiFailed(index: 0, cause: _) {
            throw .controllerFenced
        } catch .multiFailed(let index, cause: .badVersion(_, _, _)) {
            throw .concurrentModification(KafkaZnodes.partitionState(updates[index - 1].topic, updates[index - 1].partition))
        } catch .multiFailed(let index, cause: .noNode(_)) {
            throw .unknownTopic(updates[index - 1].topic)
        } catch {
            throw .coordination(error)
        }
    }

    // MARK: Watched reads (the metadata watcher re-arms each after it fires)

    /// Topic names; `watch` fires once when a topic is created or deleted.
    public func topicNames(watch: WatchHandler?) throws(ClusterMetadataError) -> [String] {
        try translate { () throws(ZnodeError) in try store.getChildren(KafkaZnodes.topics, watch: watch) }
    }

    /// Registered broker ids; `watch` fires once when one registers or goes.
    public func brokerIDs(watch: WatchHandler?) throws(ClusterMetadataError) -> [Int32] {
        try translate { () throws(ZnodeError) in try store.getChildren(KafkaZnodes.brokerIDs, watch: watch) }.compactMap { Int32($0) }
    }

    public func broker(_ id: Int32) throws(ClusterMetadataError) -> BrokerRegistration? {
        try read(KafkaZnodes.broker(id))
    }

    /// The topic's assignment; `watch` fires once when it changes (partitions added) or goes.
    public func topic(_ name: String, watch: WatchHandler?) throws(ClusterMetadataError) -> TopicAssignment? {
        try readVersioned(KafkaZnodes.topic(name), watch: watch).map(\.0)
    }

    /// The topic's config overrides; `watch` fires once when they change.
    public func topicConfig(_ name: String, watch: WatchHandler?) throws(ClusterMetadataError) -> [String: String] {
        let overrides: TopicConfigOverrides? = try readVersioned(KafkaZnodes.topicConfig(name), watch: watch).map(\.0)
        return overrides?.config ?? [:]
    }

    /// The partition's state and znode version; `watch` fires once when it changes or goes.
    public func partitionState(_ topic: String, _ partition: Int32, watch: WatchHandler?) throws(ClusterMetadataError) -> (state: PartitionState, version: Int32)? {
        guard let (state, version): (PartitionState, Int32) = try readVersioned(KafkaZnodes.partitionState(topic, partition), watch: watch) else {
            return nil
        }
        return (state, version)
    }

    public func controller() throws(ClusterMetadataError) -> Int32? {
        let registration: ControllerRegistration? = try read(KafkaZnodes.controller)
        return registration?.brokerID
    }

    // MARK: Internals

    private func partitionCreations(
        _ topic: String, _ replicas: [(partition: Int32, replicas: [Int32])], controllerEpoch: Int32
    ) throws(ClusterMetadataError) -> [ZnodeOperation] {
        var operations: [ZnodeOperation] = []
        for (partition, replicaIDs) in replicas {
            guard let leader = replicaIDs.first else { throw .invalidAssignment(topic, partition) }
            let state = PartitionState(leader: leader, leaderEpoch: 0, isr: replicaIDs, controllerEpoch: controllerEpoch)
            operations.append(.create(path: KafkaZnodes.partition(topic, partition), data: [], mode: .persistent, session: nil))
            operations.append(.create(path: KafkaZnodes.partitionState(topic, partition), data: try encode(state), mode: .persistent, session: nil))
        }
        return operations
    }

    private func read<T: Decodable>(_ path: String) throws(ClusterMetadataError) -> T? {
        try readVersioned(path).map(\.0)
    }

    private func readVersioned<T: Decodable>(_ path: String, watch: WatchHandler? = nil) throws(ClusterMetadataError) -> (T, Int32)? {
        let data: [UInt8]
        let version: Int32
        do {
            (data, version) = try { () throws(ZnodeError) in
                let (data, stat) = try store.getData(path, watch: watch)
                return (data, stat.version)
            }()
        } catch .noNode(_) {
            return nil
        } catch {
            throw .coordination(error)
        }
        do {
            return (try JSONDecoder().decode(T.self, from: Data(data)), version)
        } catch {
            throw .corruptNode(path)
        }
    }

    private func encode<T: Encodable>(_ value: T) throws(ClusterMetadataError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw .corruptNode(String(describing: T.self))
        }
    }

    private func translate<T>(_ body: () throws(ZnodeError) -> T) throws(ClusterMetadataError) -> T {
        do {
            return try body()
        } catch {
            throw .coordination(error)
        }
    }
}

public enum ClusterMetadataError: Error, Equatable, Sendable {
    case topicAlreadyExists(String)
    case unknownTopic(String)
    case brokerAlreadyRegistered(Int32)
    /// Someone else changed the node since it was read; re-read and retry.
    case concurrentModification(String)
    case invalidAssignment(String, Int32)
    /// A node's data is not the JSON Kafka's layout prescribes.
    case corruptNode(String)
    /// Another controller was elected since this one: its writes no longer count.
    case controllerFenced
    case coordination(ZnodeError)
}

public struct ControllerElection: Equatable, Sendable {
    public var elected: Bool
    public var epoch: Int32
    /// The version of `/controller_epoch` after this election, which the controller's writes check.
    public var epochZnodeVersion: Int32
}

/// One partition state a controller writes, with the znode version it read it at.
public struct PartitionStateUpdate: Equatable, Sendable {
    public var topic: String
    public var partition: Int32
    public var state: PartitionState
    public var expectedVersion: Int32

    public init(topic: String, partition: Int32, state: PartitionState, expectedVersion: Int32) {
        self.topic = topic
        self.partition = partition
        self.state = state
        self.expectedVersion = expectedVersion
    }
}
