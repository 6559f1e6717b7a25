import Dispatch
import Foundation
import Logging
import PierCoordination
import PierProtocol
import PierStorage
import Synchronization

/// Makes the leaders of `__consumer_offsets` partitions the coordinators of their groups, as in
/// Kafka: partition N is shard N's journal. The leader writes each group change to it before
/// applying it (and before answering an OffsetCommit), its followers replicate it like any
/// partition, and a broker that becomes a shard's leader rebuilds the shard's database from its
/// replica of the journal before it coordinates the shard's groups. So consumer groups and their
/// committed offsets survive the loss of the broker that coordinated them.
final class GroupShardLeadership: GroupShardJournaling {
    private let nodeID: Int32
    private let registry: PartitionRegistry
    private let topics: TopicManager
    private let groups: GroupCoordinator
    private let appends: AppendNotifier<TopicPartition>
    /// Moves the journal's high watermark as for any partition (followers' fetches, or at once
    /// while the ISR is this broker alone).
    private let replicas: ReplicaManager
    private let logger: Logger
    /// Takeovers and handovers, in the order the metadata watcher saw the leadership change.
    private let queue = DispatchQueue(label: "pier.group-shards")
    private let leading = Mutex<[Int: PartitionState]>([:])
    /// Set when the broker stops: a change still waiting for the journal's replicas gives up at once
    /// (they may be stopping too), so a stop is not held up by ten-second waits.
    private let stopped = Mutex(false)

    /// How long a group change waits for the journal's in-sync replicas before the client is told
    /// COORDINATOR_NOT_AVAILABLE (and retries, finding the coordinator again).
    static let replicationTimeout: Duration = .seconds(10)

    init(nodeID: Int32, registry: PartitionRegistry, topics: TopicManager, groups: GroupCoordinator,
         appends: AppendNotifier<TopicPartition>, replicas: ReplicaManager, logger: Logger) {
        self.nodeID = nodeID
        self.registry = registry
        self.topics = topics
        self.groups = groups
        self.appends = appends
        self.replicas = replicas
        self.logger = logger
    }

    static func partition(ofShard shard: Int) -> TopicPartition {
        TopicPartition(GroupShardJournal.topic, Int32(shard))
    }

    // MARK: The internal topic

    /// `__consumer_offsets`, created on first need as Kafka does: one partition per shard, as many
    /// replicas as `offsets.topic.replication.factor` asks and brokers are live, kept forever (its
    /// records are the shards' history, not data that ages).
    func internalTopic(replicationFactor: Int16, cluster: ClusterMetadata) throws(TopicProblem) -> TopicView {
        if let view = try topics.view(GroupShardJournal.topic) { return view }
        let live: Int
        do { live = try cluster.liveBrokers().count } catch { throw TopicProblem(error) }
        let creation = TopicManager.Creation(
            name: GroupShardJournal.topic, partitions: Int32(groups.shards.count),
            replicationFactor: max(1, min(replicationFactor, Int16(clamping: live))), configs: ["retention.ms": "-1", "retention.bytes": "-1"]
        )
        do {
            let view = try topics.create(creation)
            logger.info("created the group shards' journal topic", metadata: [
                "topic": "\(GroupShardJournal.topic)", "partitions": "\(groups.shards.count)", "replication": "\(creation.replicationFactor ?? 1)",
            ])
            return view
        } catch where error.errorCode == .topicAlreadyExists {
            return try topics.currentView(GroupShardJournal.topic)  // another broker created it first
        }
    }

    // MARK: Leadership (from the metadata watcher)

    /// The internal topic's partition states as just read: shards this broker now leads are taken
    /// over, shards it no longer leads are handed over.
    func statesChanged(_ topic: ClusterSnapshot.Topic?) {
        let states = topic?.partitions.mapValues(\.state) ?? [:]
        // Until a shard led here is loaded, its groups' clients are told to wait (retriable in place),
        // not sent looking for another coordinator.
        let held = leading.withLock { $0 }
        let newlyLed = states.filter { partition, state in
            state.leader == nodeID && Int(partition) < groups.shards.count && held[Int(partition)]?.leaderEpoch != state.leaderEpoch
        }
        groups.beginLoading(shards: Set(newlyLed.keys.map { Int($0) }))
        queue.async { [self] in
            let held = leading.withLock { $0 }
            for (shard, state) in held where states[Int32(shard)].map({ $0.leader != nodeID || $0.leaderEpoch != state.leaderEpoch }) ?? true {
                leading.withLock { _ = $0.removeValue(forKey: shard) }
                groups.handOver(shard: shard)
            }
            for (partition, state) in states.sorted(by: { $0.key < $1.key }) where state.leader == nodeID {
                let shard = Int(partition)
                guard shard < groups.shards.count else { continue }
                if held[shard]?.leaderEpoch == state.leaderEpoch {
                    leading.withLock { $0[shard] = state }  // an ISR change only
                    continue
                }
                takeOver(shard: shard, state: state)
            }
        }
    }

    /// Any broker's DeleteTopics: the positions of the topic go from the shards coordinated here.
    func topicDeleted(_ topic: String) {
        guard topic != GroupShardJournal.topic else { return }
        queue.async { [self] in
            do { try groups.forgetOffsets(ofTopic: topic) } catch {
                logger.error("dropping a deleted topic's committed offsets failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
            }
        }
    }

    private func takeOver(shard: Int, state: PartitionState) {
        let partition = Self.partition(ofShard: shard)
        let shards = groups.shards
        let journalIsEmpty = registry.openLog(for: partition).map { $0.logEndOffset == 0 } ?? (registry.engineOnDisk(for: partition) == nil)
        if journalIsEmpty && !FileManager.default.fileExists(atPath: shards.path(of: shard)) {
            // Nothing journaled and nothing stored: an empty shard, whose files come with its first change.
            leading.withLock { $0[shard] = state }
            groups.takeOverEmpty(shard: shard)
            return
        }
        do {
            let log = try registry.log(for: partition)
            if log.logEndOffset == 0 && !isJournaled(shard) && FileManager.default.fileExists(atPath: shards.path(of: shard)) {
                // A shard written before it had a journal: its content becomes the journal's first record.
                let snapshot = try shards.store(shard: shard).snapshot(now: Int64(Date().timeIntervalSince1970 * 1000))
                leading.withLock { $0[shard] = state }
                try record(snapshot, shard: shard)
            } else {
                let started = ContinuousClock.now
                var applied = 0
                try shards.replace(shard: shard) { store in applied = try GroupShardJournal.replay(log, into: store) }
                if applied > 0 {
                    logger.info("group shard rebuilt from its journal", metadata: [
                        "shard": "\(shard)", "operations": "\(applied)", "took": "\(ContinuousClock.now - started)",
                    ])
                }
            }
            markJournaled(shard)
            leading.withLock { $0[shard] = state }
            try groups.takeOver(shard: shard)
        } catch {
            leading.withLock { _ = $0.removeValue(forKey: shard) }
            groups.handOver(shard: shard)
            logger.error("taking over a group shard failed; its groups answer NOT_COORDINATOR", metadata: [
                "shard": "\(shard)", "error": "\(error)",
            ])
        }
    }

    // MARK: Journaling (GroupShardJournaling)

    func stop() {
        stopped.withLock { $0 = true }
    }

    func record(_ operation: GroupOperation, shard: Int) throws {
        guard let state = leading.withLock({ $0[shard] }) else {
            throw GroupShardUnavailable(shard: shard, errorCode: .notCoordinator, reason: "this broker does not lead its journal")
        }
        let partition = Self.partition(ofShard: shard)
        let log = try registry.log(for: partition)
        let batch = try GroupShardJournal.batch(operation, timestamp: Int64(Date().timeIntervalSince1970 * 1000))
        // As for a produce: the journal's leadership is checked again in the append turn, so a change
        // recorded after the shard moved is not written as leader over the new leader's epoch.
        let written = try replicas.appendingAsLeader(partition, since: state.leaderEpoch) { epoch throws(StorageError) -> AppendResult in
            try log.append([batch], as: .leader(leaderEpoch: epoch, logAppendTime: nil))
        }
        guard let result = written else {
            throw GroupShardUnavailable(shard: shard, errorCode: .notCoordinator, reason: "leadership of its journal moved")
        }
        appends.appended(to: partition)
        replicas.appendCommitted(to: partition)
        try awaitReplicated(log, through: result.lastOffset, state: state, shard: shard)
    }

    /// Returns once the journal's high watermark has passed `offset`: every in-sync replica has it.
    private func awaitReplicated(_ log: any PartitionLog, through offset: Int64, state: PartitionState, shard: Int) throws {
        let deadline = ContinuousClock.now + Self.replicationTimeout
        while log.highWatermark <= offset {
            guard !stopped.withLock({ $0 }) else {
                throw GroupShardUnavailable(shard: shard, errorCode: .coordinatorNotAvailable, reason: "the broker is stopping")
            }
            guard ContinuousClock.now < deadline else {
                throw GroupShardUnavailable(shard: shard, errorCode: .coordinatorNotAvailable,
                                            reason: "the journal's in-sync replicas did not confirm offset \(offset)")
            }
            guard leading.withLock({ $0[shard]?.leaderEpoch == state.leaderEpoch }) else {
                throw GroupShardUnavailable(shard: shard, errorCode: .notCoordinator, reason: "leadership of its journal moved")
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
    }

    // MARK: The marker of a shard rebuilt from (or carried into) its journal

    private func markerPath(_ shard: Int) -> String { groups.shards.path(of: shard) + ".journaled" }

    private func isJournaled(_ shard: Int) -> Bool { FileManager.default.fileExists(atPath: markerPath(shard)) }

    private func markJournaled(_ shard: Int) {
        guard !isJournaled(shard) else { return }
        try? FileManager.default.createDirectory(atPath: groups.shards.directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: markerPath(shard), contents: Data())
    }
}
