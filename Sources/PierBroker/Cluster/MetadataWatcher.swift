import Dispatch
import Foundation
import Logging
import PierCoordination
import Synchronization

/// Keeps this broker's picture of the cluster current from the coordination store's one-shot
/// watches: the registered brokers, the topics, each topic's assignment and config, and every
/// partition's state. Each watch that fires is re-armed by the read it triggers, so changes made
/// by any broker (a controller's election, a leader's ISR change, another broker's CreateTopics)
/// reach every broker without polling.
///
/// Reads run on one serial queue, off the event loops and the cooperative pool, since the store's
/// calls block. What changed goes to the topic cache (Metadata, Produce, Fetch), the replicas
/// (`PartitionStateObserver`) and the controller.
final class MetadataWatcher: Sendable {
    /// Who hears of changes; set before `start`.
    struct Listeners: Sendable {
        var observer: (any PartitionStateObserver)?
        /// The live brokers changed.
        var brokersChanged: @Sendable (ClusterSnapshot) -> Void = { _ in }
        /// A topic's partitions or states changed (nil: the topic is gone).
        var topicChanged: @Sendable (String, ClusterSnapshot) -> Void = { _, _ in }
        /// Like `topicChanged`, once `observer` has applied the topic's partition states.
        var topicApplied: @Sendable (String, ClusterSnapshot) -> Void = { _, _ in }
    }

    private let cluster: ClusterMetadata
    private let topics: TopicManager
    private let registry: PartitionRegistry
    private let nodeID: Int32
    private let logger: Logger
    private let queue = DispatchQueue(label: "pier.metadata-watcher")
    private let state = Mutex(State())
    private let listeners = Mutex(Listeners())

    /// How long a failed read waits before it is tried again (the coordination store was unavailable).
    static let retryDelayMilliseconds = 500

    private struct State {
        var snapshot = ClusterSnapshot()
        /// Watches registered and not fired yet, by a key naming the read; one per read, so a path
        /// read for several reasons does not pile up watches.
        var armed: Set<String> = []
        var stopped = false
    }

    init(cluster: ClusterMetadata, topics: TopicManager, registry: PartitionRegistry, nodeID: Int32, logger: Logger) {
        self.cluster = cluster
        self.topics = topics
        self.registry = registry
        self.nodeID = nodeID
        self.logger = logger
    }

    func setListeners(_ update: (inout Listeners) -> Void) {
        listeners.withLock { update(&$0) }
    }

    /// Reads everything and arms the watches; returns once the first full read is done.
    func start() {
        queue.sync {
            readBrokers()
            readBrokerConfigs()
            readTopicNames()
        }
    }

    /// Reads everything again and re-arms every watch: after a new coordination session, whose
    /// store may have dropped the old session's watches (ZooKeeper does).
    func resynchronize() {
        queue.async { [self] in
            state.withLock { $0.armed.removeAll() }
            readBrokers()
            readBrokerConfigs()
            readTopicNames()
            let names = state.withLock { Array($0.snapshot.topics.keys) }
            for name in names { readTopic(name) }
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// The cluster as last read.
    var snapshot: ClusterSnapshot {
        state.withLock { $0.snapshot }
    }

    /// Waits until every read queued so far has run (tests, and callers that just wrote a change).
    func settle() {
        queue.sync {}
    }

    // MARK: Reads (on `queue`)

    private func readBrokers() {
        let key = "children:" + KafkaZnodes.brokerIDs
        attempt(key, retry: { $0.readBrokers() }) { watch throws(ClusterMetadataError) in
            let ids = try cluster.brokerIDs(watch: watch)
            var brokers: [Int32: BrokerRegistration] = [:]
            // Registrations never change while they exist; only their coming and going is watched.
            for id in ids { if let registration = try cluster.broker(id) { brokers[id] = registration } }
            let snapshot = state.withLock { state -> ClusterSnapshot in
                state.snapshot.brokers = brokers
                return state.snapshot
            }
            let listeners = listeners.withLock { $0 }
            listeners.observer?.brokersChanged(brokers)
            listeners.brokersChanged(snapshot)
        }
    }

    /// This broker's dynamic configs and the cluster-wide defaults, which topics' defaults come from.
    private func readBrokerConfigs() {
        readBrokerConfig(String(nodeID)) { [topics] in topics.dynamicBrokerConfigChanged(perBroker: $0) }
        readBrokerConfig(KafkaZnodes.clusterDefaultBrokerEntity) { [topics] in topics.dynamicBrokerConfigChanged(clusterDefault: $0) }
    }

    private func readBrokerConfig(_ entity: String, _ apply: @escaping @Sendable ([String: String]) -> Void) {
        attempt("data:" + KafkaZnodes.brokerConfig(entity), retry: { $0.readBrokerConfig(entity, apply) }) { watch throws(ClusterMetadataError) in
            apply(try cluster.brokerConfig(entity, watch: watch))
        }
    }

    private func readTopicNames() {
        attempt("children:" + KafkaZnodes.topics, retry: { $0.readTopicNames() }) { watch throws(ClusterMetadataError) in
            let names = Set(try cluster.topicNames(watch: watch))
            let known = state.withLock { Set($0.snapshot.topics.keys) }
            for gone in known.subtracting(names) { forget(gone) }
            for added in names.subtracting(known).sorted() { readTopic(added) }
        }
    }

    private func readTopic(_ name: String) {
        attempt("data:" + KafkaZnodes.topic(name), retry: { $0.readTopic(name) }) { watch throws(ClusterMetadataError) in
            guard let assignment = try cluster.topic(name, watch: watch) else {
                forget(name)
                return
            }
            let overrides = try readConfig(name)
            state.withLock { state in
                var topic = state.snapshot.topics[name] ?? ClusterSnapshot.Topic(assignment: assignment)
                topic.assignment = assignment
                topic.overrides = overrides
                state.snapshot.topics[name] = topic
            }
            for (partition, _) in assignment.replicasByPartition { try readPartition(name, partition) }
            publish(name)
        }
    }

    private func readConfig(_ name: String) throws(ClusterMetadataError) -> [String: String] {
        let key = "data:" + KafkaZnodes.topicConfig(name)
        let watch = arm(key) { $0.configChanged(name) }
        do {
            return try cluster.topicConfig(name, watch: watch)
        } catch {
            disarm(key)
            throw error
        }
    }

    private func configChanged(_ name: String) {
        attempt("config:" + name, retry: { $0.configChanged(name) }) { _ throws(ClusterMetadataError) in
            let overrides = try readConfig(name)
            let known = state.withLock { state -> Bool in
                guard state.snapshot.topics[name] != nil else { return false }
                state.snapshot.topics[name]?.overrides = overrides
                return true
            }
            guard known else { return }
            publish(name)
            if let view = try? topics.view(name) { registry.apply(view.configuration, toTopic: name) }
        }
    }

    /// Reads one partition's state; a watch already armed means the state held is current.
    private func readPartition(_ name: String, _ partition: Int32) throws(ClusterMetadataError) {
        let key = "data:" + KafkaZnodes.partitionState(name, partition)
        let alreadyWatched = state.withLock { $0.armed.contains(key) && $0.snapshot.topics[name]?.partitions[partition] != nil }
        if alreadyWatched { return }
        let watch = arm(key) { $0.partitionChanged(name, partition) }
        let read: (state: PartitionState, version: Int32)?
        do {
            read = try cluster.partitionState(name, partition, watch: watch)
        } catch {
            disarm(key)
            throw error
        }
        if read == nil { disarm(key) }  // being created: the topic's own watch brings it
        state.withLock { state in
            state.snapshot.topics[name]?.partitions[partition] = read.map { VersionedPartitionState(state: $0.state, version: $0.version) }
        }
    }

    private func partitionChanged(_ name: String, _ partition: Int32) {
        attempt("partition:\(name)/\(partition)", retry: { $0.partitionChanged(name, partition) }) { _ throws(ClusterMetadataError) in
            guard state.withLock({ $0.snapshot.topics[name] != nil }) else { return }
            try readPartition(name, partition)
            publish(name, only: partition)
        }
    }

    private func forget(_ name: String) {
        let removed = state.withLock { state -> ClusterSnapshot.Topic? in
            state.armed = state.armed.filter { !$0.hasSuffix(KafkaZnodes.topic(name)) && !$0.contains(KafkaZnodes.topic(name) + "/")
                && $0 != "data:" + KafkaZnodes.topicConfig(name) }
            return state.snapshot.topics.removeValue(forKey: name)
        }
        guard let removed else { return }
        topics.forget(name)
        let observer = listeners.withLock { $0.observer }
        for (partition, replicas) in removed.replicasByPartition where replicas.contains(nodeID) {
            observer?.partitionRemoved(TopicPartition(name, partition))
        }
        // Another broker's DeleteTopics: this broker's replicas of it go too.
        for partition in removed.replicasByPartition.keys {
            let topicPartition = TopicPartition(name, partition)
            if registry.openLog(for: topicPartition) != nil || registry.engineOnDisk(for: topicPartition) != nil {
                registry.remove(topicPartition)
            }
        }
        logger.info("topic gone from the cluster", metadata: ["topic": "\(name)"])
        let snapshot = state.withLock { $0.snapshot }
        let listeners = listeners.withLock { $0 }
        listeners.topicChanged(name, snapshot)
        listeners.topicApplied(name, snapshot)
    }

    /// Hands the topic's new picture to the cache, the replicas and the controller.
    private func publish(_ name: String, only partition: Int32? = nil) {
        guard let (topic, snapshot) = state.withLock({ state in state.snapshot.topics[name].map { ($0, state.snapshot) } }) else { return }
        let replicas = topic.replicasByPartition
        let view = TopicView(
            name: name, topicID: topic.assignment.topicUUID ?? UUID(),
            partitions: replicas.reduce(into: [:]) { partitions, entry in
                partitions[entry.key] = TopicView.Partition(replicas: entry.value, state: topic.partitions[entry.key]?.state)
            },
            configuration: topics.configuration(overrides: topic.overrides)
        )
        topics.publish(view)
        let listeners = listeners.withLock { $0 }
        // First the listeners that only queue work (controller, group shards), so opening many
        // replicas' logs below does not hold back a shard's takeover.
        listeners.topicChanged(name, snapshot)
        if let observer = listeners.observer {
            for (index, assigned) in replicas where partition == nil || partition == index {
                guard let current = topic.partitions[index] else { continue }
                let topicPartition = TopicPartition(name, index)
                if assigned.contains(nodeID) {
                    observer.partitionStateChanged(topicPartition, replicas: assigned, state: current.state, znodeVersion: current.version,
                                                   configuration: view.configuration)
                } else if registry.openLog(for: topicPartition) != nil {
                    observer.partitionRemoved(topicPartition)
                }
            }
        }
        listeners.topicApplied(name, snapshot)
    }

    // MARK: Watch bookkeeping

    /// A watch for `key` unless one is armed already; firing disarms it and runs `reread` on the queue.
    private func arm(_ key: String, reread: @escaping @Sendable (MetadataWatcher) -> Void) -> WatchHandler? {
        let fresh = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            return state.armed.insert(key).inserted
        }
        guard fresh else { return nil }
        return { [weak self] _ in
            guard let self else { return }
            self.queue.async {
                self.disarm(key)
                guard !self.state.withLock({ $0.stopped }) else { return }
                reread(self)
            }
        }
    }

    private func disarm(_ key: String) {
        _ = state.withLock { $0.armed.remove(key) }
    }

    /// Runs a read that may arm the watch `key`; on failure it disarms and tries again shortly.
    private func attempt(_ key: String, retry: @escaping @Sendable (MetadataWatcher) -> Void,
                         _ body: (WatchHandler?) throws(ClusterMetadataError) -> Void) {
        guard !state.withLock({ $0.stopped }) else { return }
        let isWatchKey = key.hasPrefix("data:") || key.hasPrefix("children:")
        let watch = isWatchKey ? arm(key, reread: retry) : nil
        do {
            try body(watch)
        } catch {
            if isWatchKey { disarm(key) }
            logger.warning("reading cluster metadata failed; retrying", metadata: ["read": "\(key)", "error": "\(error)"])
            queue.asyncAfter(deadline: .now() + .milliseconds(Self.retryDelayMilliseconds)) { [weak self] in
                guard let self else { return }
                retry(self)
            }
        }
    }
}
