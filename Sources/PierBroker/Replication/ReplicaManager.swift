import Foundation
import Logging
import NIOPosix
import PierCoordination
import PierProtocol
import PierStorage
import Synchronization

/// The one owner of every partition's replication state on this broker: it applies what the
/// coordination store says (`PartitionStateObserver`) to each partition's `Partition` state machine
/// and performs the actions it returns — leader epochs and high watermarks into the log, ISR changes
/// into the store by compare-and-set, fetchers toward leaders — and answers the handlers' questions
/// (who leads, what is committed) and waits (acks=all).
///
/// The observer methods and the event methods block (they open logs and write to them and to the
/// store): call them from the storage threads, never from an event loop.
final class ReplicaManager: PartitionStateObserver, Sendable {
    let nodeID: Int32
    let settings: ReplicationSettings
    let cluster: ClusterMetadata
    let registry: PartitionRegistry
    let appends: AppendNotifier<TopicPartition>
    let storageThreads: NIOThreadPool
    let metrics: BrokerMetrics
    let logger: Logger
    /// Milliseconds since the epoch; tests may move time themselves.
    let now: @Sendable () -> Int64

    /// One partition's state machine, its log and its topic's settings, behind one lock: events for
    /// a partition are applied one at a time, and high watermarks are persisted in the order computed.
    final class Replica: Sendable {
        let log: any PartitionLog
        let machine: Mutex<Partition>
        let configuration: Mutex<TopicConfiguration>
        /// The machine's leadership, published after every event (`PublishedLeadership.packed`).
        let leadership: Atomic<Int64>

        init(log: any PartitionLog, machine: Partition, configuration: TopicConfiguration) {
            self.log = log
            self.machine = Mutex(machine)
            self.configuration = Mutex(configuration)
            self.leadership = Atomic(PublishedLeadership(of: machine)?.packed ?? PublishedLeadership.notLeading)
        }

        func publishLeadership(of machine: Partition) {
            leadership.store(PublishedLeadership(of: machine)?.packed ?? PublishedLeadership.notLeading, ordering: .releasing)
        }
    }

    private let replicas = Mutex<[TopicPartition: Replica]>([:])
    private let brokers = Mutex<[Int32: BrokerRegistration]>([:])
    private let fetchers = Mutex<[Int32: ReplicaFetcher]>([:])
    private let lagTimer = Mutex<Task<Void, Never>?>(nil)
    /// Set when the broker stops: acks=all waits end at once (see `refuseWaits`).
    private let refusingWaits = Atomic<Bool>(false)

    init(nodeID: Int32, settings: ReplicationSettings, cluster: ClusterMetadata, registry: PartitionRegistry,
         appends: AppendNotifier<TopicPartition>, storageThreads: NIOThreadPool, metrics: BrokerMetrics, logger: Logger,
         now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.nodeID = nodeID
        self.settings = settings
        self.cluster = cluster
        self.registry = registry
        self.appends = appends
        self.storageThreads = storageThreads
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    // MARK: PartitionStateObserver

    func partitionStateChanged(
        _ partition: TopicPartition, replicas assigned: [Int32], state: PartitionState, znodeVersion: Int32, configuration: TopicConfiguration
    ) {
        guard assigned.contains(nodeID) else {
            partitionRemoved(partition)
            return
        }
        let replica: Replica
        do {
            replica = try self.replica(for: partition, configuration: configuration)
        } catch {
            logger.error("replication: the partition's log cannot be opened", metadata: ["partition": "\(partition)", "error": "\(error)"])
            return
        }
        replica.configuration.withLock { $0 = configuration }
        // The same version again (the watcher after this broker's own ISR write, a config change, a
        // request that read the store itself) changes nothing and wakes nobody.
        // The same version with another replica set is a reassignment whose state arrived before its assignment.
        if let (known, knownReplicas) = replica.machine.withLock({ $0.state == nil ? nil : ($0.znodeVersion, $0.replicas) }),
           known > znodeVersion || (known == znodeVersion && knownReplicas == assigned) { return }
        let log = replica.log
        apply(to: partition, replica) { machine, now in
            machine.stateRead(replicas: assigned, state: state, znodeVersion: znodeVersion, logEndOffset: log.logEndOffset, now: now)
        }
        // Waiting acks=all produces learn of a lost leadership, consumers of a new one.
        appends.appended(to: partition)
    }

    /// Forgets the partition and deletes this broker's replica of it (Kafka's StopReplica with
    /// deletion): the topic is gone, or the partition was moved to other brokers.
    func partitionRemoved(_ partition: TopicPartition) {
        guard replicas.withLock({ $0.removeValue(forKey: partition) }) != nil else { return }
        stopFetching(partition)
        registry.remove(partition)
        appends.appended(to: partition)
        logger.info("replica removed", metadata: ["partition": "\(partition)"])
    }

    func brokersChanged(_ brokers: [Int32: BrokerRegistration]) {
        self.brokers.withLock { $0 = brokers }
    }

    // MARK: Questions from the handlers

    /// Nil when the coordination store has not told this broker of the partition.
    func leadership(of partition: TopicPartition, currentLeaderEpoch: Int32 = -1) -> Partition.Leadership? {
        replica(partition)?.machine.withLock { $0.leadership(currentLeaderEpoch: currentLeaderEpoch) }
    }

    func state(of partition: TopicPartition) -> Partition? {
        replica(partition)?.machine.withLock { $0 }
    }

    func replica(_ partition: TopicPartition) -> Replica? {
        replicas.withLock { $0[partition] }
    }

    var knownPartitions: [TopicPartition] {
        replicas.withLock { Array($0.keys) }
    }

    /// Partitions this broker leads whose ISR is smaller than their replica set.
    var underReplicatedCount: Int {
        replicas.withLock { Array($0.values) }.filter { $0.machine.withLock(\.isUnderReplicated) }.count
    }

    /// Where a broker's Kafka listener is, as registered.
    func address(of broker: Int32) -> BrokerRegistration? {
        brokers.withLock { $0[broker] }
    }

    // MARK: Events from the data path

    /// A leader append committed: the log end moved (and with an ISR of this broker alone, the high watermark).
    func appendCommitted(to partition: TopicPartition) {
        guard let replica = replica(partition) else { return }
        let logEnd = replica.log.logEndOffset
        apply(to: partition, replica) { machine, _ in machine.appendCommitted(logEndOffset: logEnd) }
    }

    /// A follower fetched from `fetchOffset`; false when `replica` is not a follower of this leader.
    func followerFetched(_ partition: TopicPartition, replica follower: Int32, fetchOffset: Int64) -> Bool {
        guard let replica = replica(partition),
              replica.machine.withLock({ $0.isLeader && $0.followers[follower] != nil })
        else { return false }
        apply(to: partition, replica) { machine, now in machine.followerFetched(follower, fetchOffset: fetchOffset, now: now) }
        return true
    }

    /// Waits until `wait` is answered: the high watermark passed the batch, the leadership or ISR
    /// changed so that it cannot be, or `deadline` came.
    func awaitCommit(of partition: TopicPartition, _ wait: AcksAllWait, deadline: ContinuousClock.Instant) async -> ErrorCode {
        var wait = wait
        let clock = ContinuousClock()
        while true {
            // Noted before looking, so a change landing in between still wakes the wait.
            let generation = appends.generation(of: partition)
            if refusingWaits.load(ordering: .acquiring) { return .notLeaderOrFollower }
            let leadership = self.leadership(of: partition) ?? .refused(.notLeaderOrFollower, leader: -1, leaderEpoch: -1)
            if case .respond(let code) = wait.partitionChanged(leadership) { return code }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero, case .respond(let code) = wait.deadlinePassed() { return code }
            _ = await appends.waitForAppend(after: [partition: generation], timeout: remaining)
        }
    }

    /// Runs `append` in the partition's append turn, with the epoch to stamp, if this broker has led
    /// the partition without a break since `checkedEpoch`; nil (append not run) when it has not. A
    /// produce checks its leadership before it parses and waits for the turn; a leadership lost
    /// meanwhile must not let it write as leader once the new leader's epoch began (the follower's
    /// truncation, which also takes the turn, may have run already and would not cut it).
    func appendingAsLeader<Result>(
        _ partition: TopicPartition, since checkedEpoch: Int32, _ append: (_ currentEpoch: Int32) throws(StorageError) -> Result
    ) throws(StorageError) -> Result? {
        guard let replica = replica(partition) else { return nil }
        return try registry.serializingAppends(to: partition) { () throws(StorageError) -> Result? in
            guard let leadership = PublishedLeadership(packed: replica.leadership.load(ordering: .acquiring)),
                  leadership.holds(since: checkedEpoch)
            else { return nil }
            return try append(leadership.epoch)
        }
    }

    // MARK: Follower side

    /// Appends what the leader sent at the leader's offsets, in one transaction, then moves the
    /// high watermark to min(leader's, own log end). Nothing happens unless this replica still
    /// follows `leader` in `epoch`: the partition's lock is held throughout, so a leadership taking
    /// effect meanwhile waits for the append and starts its epoch after it.
    func appendFromLeader(
        _ partition: TopicPartition, _ batches: [AppendableBatch], leaderHighWatermark: Int64, ifFollowing leader: Int32, epoch: Int32
    ) throws(StorageError) {
        guard let replica = replica(partition) else { return }
        let log = replica.log
        let appended = try replica.machine.withLock { machine throws(StorageError) -> Bool in
            guard machine.role == .follower(leader: leader, epoch: epoch) else { return false }
            if !batches.isEmpty {
                _ = try registry.serializingAppends(to: partition) { () throws(StorageError) in try log.append(batches, as: .follower) }
            }
            for case .persistHighWatermark(let offset) in machine.fetchedFromLeader(logEndOffset: log.logEndOffset, leaderHighWatermark: leaderHighWatermark) {
                try log.updateHighWatermark(offset)
            }
            return !batches.isEmpty
        }
        if appended { appends.appended(to: partition) }
    }

    /// Cuts the follower's log back to `offset` (its tail diverged from the leader's), if it still
    /// follows `leader` in `epoch`.
    func truncate(_ partition: TopicPartition, to offset: Int64, ifFollowing leader: Int32, epoch: Int32) throws(StorageError) {
        guard let replica = replica(partition) else { return }
        let log = replica.log
        try replica.machine.withLock { machine throws(StorageError) in
            guard machine.role == .follower(leader: leader, epoch: epoch) else { return }
            if offset < log.logEndOffset {
                logger.info("truncating diverged tail", metadata: ["partition": "\(partition)", "from": "\(log.logEndOffset)", "to": "\(offset)"])
            }
            try registry.serializingAppends(to: partition) { () throws(StorageError) in try log.truncate(to: offset) }
            machine.truncated(logEndOffset: log.logEndOffset, highWatermark: log.highWatermark)
        }
    }

    /// Empties the follower's log and starts it at `offset`, the leader's log start (retention there
    /// passed this replica's log end), if it still follows `leader` in `epoch`.
    func startAfresh(_ partition: TopicPartition, at offset: Int64, ifFollowing leader: Int32, epoch: Int32) throws(StorageError) {
        guard let replica = replica(partition) else { return }
        let log = replica.log
        try replica.machine.withLock { machine throws(StorageError) in
            guard machine.role == .follower(leader: leader, epoch: epoch), offset > log.logEndOffset else { return }
            logger.notice("the leader's log starts past this replica's end: starting the log afresh there",
                          metadata: ["partition": "\(partition)", "end": "\(log.logEndOffset)", "leaderLogStart": "\(offset)"])
            try registry.serializingAppends(to: partition) { () throws(StorageError) in try log.truncateFully(startingAt: offset) }
            machine.truncated(logEndOffset: log.logEndOffset, highWatermark: log.highWatermark)
        }
    }

    // MARK: The lag timer

    /// Starts checking, every half `replica.lag.time.max.ms`, which followers fell behind.
    func start() {
        let interval = Duration.milliseconds(max(settings.lagTimeMaxMilliseconds / 2, 1))
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                _ = try? await self.storageThreads.runIfActive { self.checkLaggingFollowers() }
            }
        }
        lagTimer.withLock { $0 = task }
    }

    /// Applies the lag timer to every partition (blocking).
    func checkLaggingFollowers() {
        let all = replicas.withLock { $0 }
        for (partition, replica) in all {
            apply(to: partition, replica) { machine, now in machine.lagTimerFired(now: now, maxLagMilliseconds: settings.lagTimeMaxMilliseconds) }
        }
    }

    /// Answers every acks=all wait, now and from now on, with NOT_LEADER_OR_FOLLOWER: a stopping
    /// broker leads nothing much longer, and a producer told so at once refreshes its metadata and
    /// retries at the next leader (idempotence keeps the retry from duplicating), where waiting out
    /// its request timeout would also hold the broker's stop for as long.
    func refuseWaits() {
        refusingWaits.store(true, ordering: .releasing)
        for partition in replicas.withLock({ Array($0.keys) }) { appends.appended(to: partition) }
    }

    /// Stops the lag timer and every fetcher.
    func stop() async {
        lagTimer.withLock { $0 }?.cancel()
        let all = fetchers.withLock { fetchers in
            defer { fetchers.removeAll() }
            return Array(fetchers.values)
        }
        for fetcher in all { await fetcher.stop() }
    }

    // MARK: Performing actions

    private func replica(for partition: TopicPartition, configuration: TopicConfiguration) throws(StorageError) -> Replica {
        if let known = replica(partition) { return known }
        let log = try registry.log(for: partition, configuration: configuration)
        let fresh = Replica(log: log, machine: Partition(localBroker: nodeID, logEndOffset: log.logEndOffset, highWatermark: log.highWatermark),
                            configuration: configuration)
        return replicas.withLock { replicas in
            if let raced = replicas[partition] { return raced }
            replicas[partition] = fresh
            return fresh
        }
    }

    /// Runs one event on the partition's state machine. Log writes (epochs, high watermarks) happen
    /// under the partition's lock so they land in the order computed; store writes and fetcher
    /// changes after it, since they feed events back.
    private func apply(to partition: TopicPartition, _ replica: Replica, _ event: (inout Partition, Int64) -> [Partition.Action]) {
        let log = replica.log
        let (later, advanced): ([Partition.Action], Bool) = replica.machine.withLock { machine in
            var later: [Partition.Action] = []
            var advanced = false
            // Published before the lock is released: a follower's truncation, which needs the lock,
            // can only start once leader appends see the leadership gone.
            defer { replica.publishLeadership(of: machine) }
            for action in event(&machine, now()) {
                switch action {
                case .recordLeaderEpoch(let epoch, let startOffset):
                    do { try log.assignLeaderEpoch(epoch, startOffset: startOffset) } catch {
                        logger.error("replication: recording the leader epoch failed", metadata: [
                            "partition": "\(partition)", "epoch": "\(epoch)", "error": "\(error)",
                        ])
                    }
                case .persistHighWatermark(let offset):
                    advanced = true
                    do { try log.updateHighWatermark(offset) } catch {
                        logger.error("replication: persisting the high watermark failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
                    }
                default:
                    later.append(action)
                }
            }
            return (later, advanced)
        }
        if advanced { appends.appended(to: partition) }
        for action in later {
            switch action {
            case let .startFetching(leader, epoch): startFetching(partition, from: leader, epoch: epoch)
            case .stopFetching: stopFetching(partition)
            case let .writeISR(state, expectedVersion, change): writeISR(partition, replica, state, expectedVersion: expectedVersion, change)
            case .recordLeaderEpoch, .persistHighWatermark: break
            }
        }
    }

    private func writeISR(_ partition: TopicPartition, _ replica: Replica, _ state: PartitionState, expectedVersion: Int32, _ change: Partition.ISRChange) {
        do {
            let version = try cluster.updatePartitionState(partition.topic, partition.partition, state, expectedVersion: expectedVersion)
            switch change {
            case .shrink: metrics.isrShrinks.increment()
            case .expand: metrics.isrExpands.increment()
            }
            logger.info("ISR \(change == .shrink ? "shrunk" : "expanded")", metadata: ["partition": "\(partition)", "isr": "\(state.isr)"])
            apply(to: partition, replica) { machine, _ in machine.isrWritten(state, znodeVersion: version) }
            appends.appended(to: partition)
        } catch .concurrentModification(_) {
            // The controller (or a newer leader) changed the partition: see what it is now.
            replica.machine.withLock { $0.isrWriteFailed() }
            reread(partition, replica)
        } catch {
            replica.machine.withLock { $0.isrWriteFailed() }
            logger.warning("replication: writing the ISR failed; the lag timer tries again", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }

    private func reread(_ partition: TopicPartition, _ replica: Replica) {
        do {
            guard let assignment = try cluster.topic(partition.topic),
                  let assigned = assignment.partitions[String(partition.partition)],
                  let (state, version) = try cluster.partitionState(partition.topic, partition.partition)
            else {
                partitionRemoved(partition)
                return
            }
            partitionStateChanged(partition, replicas: assigned, state: state, znodeVersion: version,
                                  configuration: replica.configuration.withLock { $0 })
        } catch {
            logger.warning("replication: re-reading the partition state failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }

    private func startFetching(_ partition: TopicPartition, from leader: Int32, epoch: Int32) {
        let (fetcher, emptied, isNew) = fetchers.withLock { fetchers -> (ReplicaFetcher, [ReplicaFetcher], Bool) in
            var emptied: [ReplicaFetcher] = []
            for (id, other) in fetchers where id != leader && other.unassign(partition) {
                emptied.append(other)
                fetchers[id] = nil
            }
            // Assigned under the lock, so no concurrent stop can find the new fetcher empty and end it.
            if let existing = fetchers[leader] {
                existing.assign(partition, epoch: epoch)
                return (existing, emptied, false)
            }
            let made = ReplicaFetcher(leader: leader, manager: self)
            made.assign(partition, epoch: epoch)
            fetchers[leader] = made
            return (made, emptied, true)
        }
        if isNew { fetcher.start() }
        for idle in emptied { Task { await idle.stop() } }
        logger.info("following", metadata: ["partition": "\(partition)", "leader": "\(leader)", "epoch": "\(epoch)"])
    }

    private func stopFetching(_ partition: TopicPartition) {
        let emptied = fetchers.withLock { fetchers -> [ReplicaFetcher] in
            var emptied: [ReplicaFetcher] = []
            for (id, fetcher) in fetchers where fetcher.unassign(partition) {
                emptied.append(fetcher)
                fetchers[id] = nil
            }
            return emptied
        }
        for idle in emptied { Task { await idle.stop() } }
    }
}
