import Logging
import NIOCore
import PierClient
import PierProtocol
import PierRecords
import PierStorage
import Synchronization

/// Brings this broker's replicas of every partition led by one broker up to the leader's log, as
/// Kafka's `ReplicaFetcherThread` does: over one connection to the leader's registered address it
/// first truncates each newly followed partition by leader epoch (OffsetForLeaderEpoch), then
/// fetches from each partition's log end with `replica_id` set, long-polling, and appends what comes
/// at the leader's offsets. Any error backs off (`replica.fetch.backoff.ms`) and retries; a lost
/// connection is reopened. Nothing here ends the broker.
final class ReplicaFetcher: Sendable {
    let leader: Int32
    private let manager: ReplicaManager

    private struct Assignment: Sendable {
        var epoch: Int32
        /// A partition newly followed (or whose fetch offset the leader refused) truncates first.
        var needsTruncation = true
        /// After a partition error, the partition sits out until then.
        var retryAt: ContinuousClock.Instant?
        /// The error it last sat out for, so each new one is logged once.
        var lastError: ErrorCode?
    }

    private let assignments = Mutex<[TopicPartition: Assignment]>([:])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(leader: Int32, manager: ReplicaManager) {
        self.leader = leader
        self.manager = manager
    }

    /// Follows `partition` in leader epoch `epoch`, truncating first.
    func assign(_ partition: TopicPartition, epoch: Int32) {
        assignments.withLock { $0[partition] = Assignment(epoch: epoch) }
    }

    /// Stops following `partition`; true when this fetcher has no partition left.
    func unassign(_ partition: TopicPartition) -> Bool {
        assignments.withLock { assignments in
            assignments[partition] = nil
            return assignments.isEmpty
        }
    }

    func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    private var settings: ReplicationSettings { manager.settings }
    private var logger: Logger { manager.logger }
    private var backoff: Duration { .milliseconds(settings.fetchBackoffMilliseconds) }

    private func run() async {
        var connection: KafkaConnection?
        var lastProblem = ""
        while !Task.isCancelled {
            do {
                let open: KafkaConnection
                if let connection {
                    open = connection
                } else {
                    guard let address = manager.address(of: leader) else { throw FetcherProblem.leaderNotRegistered(leader) }
                    open = try await KafkaConnection.connect(
                        host: address.host, port: Int(address.port), clientID: "pier-replica-fetcher-\(manager.nodeID)",
                        requestTimeout: .milliseconds(Int64(settings.fetchWaitMaxMilliseconds) + 30_000), connectTimeout: .seconds(5)
                    )
                    connection = open
                }
                try await round(on: open)
                lastProblem = ""
            } catch {
                guard !Task.isCancelled else { break }
                let problem = "\(error)"
                // Once per distinct problem: a dead leader would otherwise log every backoff.
                if problem != lastProblem {
                    logger.notice("replica fetcher: backing off", metadata: ["leader": "\(leader)", "error": "\(problem)"])
                    lastProblem = problem
                }
                await connection?.close()
                connection = nil
                try? await Task.sleep(for: backoff)
            }
        }
        await connection?.close()
    }

    enum FetcherProblem: Error, CustomStringConvertible {
        case leaderNotRegistered(Int32)
        case fetchFailed(ErrorCode)

        var description: String {
            switch self {
            case .leaderNotRegistered(let id): "leader \(id) has no registration"
            case .fetchFailed(let code): "fetch answered \(code)"
            }
        }
    }

    /// One truncation pass (for partitions that need it) and one fetch.
    private func round(on connection: KafkaConnection) async throws {
        let now = ContinuousClock.now
        let ready = assignments.withLock { $0 }.filter { $0.value.retryAt.map { $0 <= now } ?? true }
        guard !ready.isEmpty else {
            try await Task.sleep(for: min(backoff, .milliseconds(100)))
            return
        }
        let truncating = ready.filter(\.value.needsTruncation)
        if !truncating.isEmpty { try await truncate(truncating.mapValues(\.epoch), on: connection) }
        let fetching = ready.filter { !$0.value.needsTruncation }
        guard !fetching.isEmpty else { return }
        try await fetch(fetching.mapValues(\.epoch), on: connection)
    }

    // MARK: Truncation (KIP-101, KIP-279)

    private func truncate(_ partitions: [TopicPartition: Int32], on connection: KafkaConnection) async throws {
        var asking: [TopicPartition: (epoch: Int32, latest: Int32)] = [:]
        for (partition, epoch) in partitions {
            guard let replica = manager.replica(partition) else { continue }
            let latest = try await manager.storageThreads.runIfActive { try replica.log.endOffset(forLeaderEpoch: .max) }
            if let latest {
                asking[partition] = (epoch, latest.epoch)
            } else {
                // No epoch recorded (an empty log, or one written before epochs): only the high watermark is known good.
                try await manager.storageThreads.runIfActive {
                    try self.manager.truncate(partition, to: replica.log.highWatermark, ifFollowing: self.leader, epoch: epoch)
                }
                truncationDone(partition, epoch: epoch)
            }
        }
        guard !asking.isEmpty else { return }
        guard let range = connection.versions.brokerVersions[.offsetForLeaderEpoch], range.upperBound >= 2 else {
            throw KafkaClientError.unsupportedApi(.offsetForLeaderEpoch)
        }
        var request = OffsetForLeaderEpochRequest(replicaId: manager.nodeID)
        request.topics = Dictionary(grouping: asking.keys, by: \.topic).sorted { $0.key < $1.key }.map { topic, members in
            OffsetForLeaderEpochRequest.OffsetForLeaderTopic(topic: topic, partitions: members.sorted { $0.partition < $1.partition }.map {
                OffsetForLeaderEpochRequest.OffsetForLeaderPartition(
                    partition: $0.partition, currentLeaderEpoch: asking[$0]!.epoch, leaderEpoch: asking[$0]!.latest
                )
            })
        }
        let response = try await connection.send(request, version: min(range.upperBound, 4))
        for topic in response.topics {
            for answer in topic.partitions {
                let partition = TopicPartition(topic.topic, answer.partition)
                guard let (epoch, latest) = asking[partition], let replica = manager.replica(partition) else { continue }
                guard answer.errorCode == ErrorCode.noError.rawValue else {
                    sitOut(partition, epoch: epoch, because: ErrorCode(rawValue: answer.errorCode) ?? .unknownServerError)
                    continue
                }
                try await manager.storageThreads.runIfActive {
                    let target = try Self.truncationOffset(
                        leaderEpoch: answer.leaderEpoch, leaderEndOffset: answer.endOffset, requestedEpoch: latest, log: replica.log
                    )
                    try self.manager.truncate(partition, to: target, ifFollowing: self.leader, epoch: epoch)
                }
                // The leader lacked the follower's latest epoch: what is left may still hold an older
                // epoch the leader does not share, so ask again for the (now older) latest epoch.
                // Each round asks for a smaller epoch, so this ends.
                if answer.leaderEpoch >= 0 && answer.leaderEpoch < latest { continue }
                truncationDone(partition, epoch: epoch)
            }
        }
    }

    /// Where a follower cuts its log, given the leader's answer for the follower's latest epoch:
    /// the leader's end of that epoch, or — when the leader's largest epoch up to it is older — the
    /// end of that older epoch on both sides, whichever is smaller (KIP-279). A leader that knows no
    /// epoch that early leaves only the high watermark as known good.
    static func truncationOffset(leaderEpoch: Int32, leaderEndOffset: Int64, requestedEpoch: Int32, log: any PartitionLog) throws(StorageError) -> Int64 {
        guard leaderEpoch >= 0, leaderEndOffset >= 0 else { return log.highWatermark }
        if leaderEpoch < requestedEpoch, let own = try log.endOffset(forLeaderEpoch: leaderEpoch) {
            return min(leaderEndOffset, own.endOffset)
        }
        return min(leaderEndOffset, log.logEndOffset)
    }

    private func truncationDone(_ partition: TopicPartition, epoch: Int32) {
        assignments.withLock { assignments in
            if assignments[partition]?.epoch == epoch { assignments[partition]?.needsTruncation = false }
        }
    }

    private func sitOut(_ partition: TopicPartition, epoch: Int32, because code: ErrorCode, truncateAfter: Bool = false) {
        let until = ContinuousClock.now.advanced(by: backoff)
        let isNew = assignments.withLock { assignments -> Bool in
            guard var assignment = assignments[partition], assignment.epoch == epoch else { return false }
            let isNew = assignment.lastError != code
            assignment.retryAt = until
            assignment.lastError = code
            if truncateAfter { assignment.needsTruncation = true }
            assignments[partition] = assignment
            return isNew
        }
        // A partition refused for the same reason round after round (a stale epoch nobody corrects)
        // never rejoins the ISR; once per new reason, it says so where an operator looks.
        logger.log(level: isNew ? .notice : .debug, "replica fetcher: partition backs off",
                   metadata: ["partition": "\(partition)", "leader": "\(leader)", "epoch": "\(epoch)", "error": "\(code)"])
    }

    // MARK: Fetching

    private func fetch(_ partitions: [TopicPartition: Int32], on connection: KafkaConnection) async throws {
        var positions: [TopicPartition: Int64] = [:]
        for partition in partitions.keys {
            guard let replica = manager.replica(partition) else { continue }
            positions[partition] = replica.log.logEndOffset
        }
        guard !positions.isEmpty else { return }
        var request = FetchRequest(
            replicaId: manager.nodeID, maxWaitMs: settings.fetchWaitMaxMilliseconds, minBytes: 1, maxBytes: settings.fetchResponseMaxBytes
        )
        request.topics = Dictionary(grouping: positions.keys, by: \.topic).sorted { $0.key < $1.key }.map { topic, members in
            FetchRequest.FetchTopic(topic: topic, partitions: members.sorted { $0.partition < $1.partition }.map {
                FetchRequest.FetchPartition(partition: $0.partition, currentLeaderEpoch: partitions[$0]!, fetchOffset: positions[$0]!,
                                            partitionMaxBytes: settings.fetchMaxBytes)
            })
        }
        // Fetch v12 is the newest that names topics, and the newest the client speaks: the follower
        // goes by `replica_id` (v15 moved it into `replica_state`, which v12 cannot carry).
        let response = try await connection.send(request)
        guard response.errorCode == ErrorCode.noError.rawValue else {
            throw FetcherProblem.fetchFailed(ErrorCode(rawValue: response.errorCode) ?? .unknownServerError)
        }
        for topic in response.responses {
            for answer in topic.partitions {
                let partition = TopicPartition(topic.topic, answer.partitionIndex)
                guard let epoch = partitions[partition], let position = positions[partition] else { continue }
                let code = ErrorCode(rawValue: answer.errorCode) ?? .unknownServerError
                switch code {
                case .noError:
                    do {
                        try await manager.storageThreads.runIfActive {
                            try self.apply(answer, to: partition, at: position, epoch: epoch)
                        }
                        assignments.withLock { assignments in
                            if assignments[partition]?.epoch == epoch { assignments[partition]?.lastError = nil }
                        }
                    } catch is CancellationError {
                        throw CancellationError()  // stopping: not the batches' fault
                    } catch let error as StorageError {
                        if case .offsetMismatch = error {
                            sitOut(partition, epoch: epoch, because: .offsetOutOfRange, truncateAfter: true)
                        } else {
                            logger.warning("replica fetcher: appending failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
                            sitOut(partition, epoch: epoch, because: error.errorCode)
                        }
                    } catch {
                        logger.warning("replica fetcher: batches refused", metadata: ["partition": "\(partition)", "error": "\(error)"])
                        sitOut(partition, epoch: epoch, because: .corruptMessage)
                    }
                case .offsetOutOfRange:
                    // The leader's log does not reach this replica's log end: the tail diverged.
                    sitOut(partition, epoch: epoch, because: code, truncateAfter: true)
                default:
                    // NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, ...: the coordination store will
                    // say what changed; until then, ask again after the backoff.
                    sitOut(partition, epoch: epoch, because: code)
                }
            }
        }
    }

    /// Runs on the storage threads: the partition's batches from `position` on, CRC-checked and
    /// decoded, appended in one transaction; then the high watermark.
    private func apply(_ answer: FetchResponse.PartitionData, to partition: TopicPartition, at position: Int64, epoch: Int32) throws {
        var batches: [AppendableBatch] = []
        var expected = position
        var iterator = RecordBatchSequence(answer.records ?? ByteBuffer(), allowsTruncatedFinalBatch: true).makeIterator()
        while let raw = try iterator.next() {
            // The leader answers from the batch holding the offset; anything already here is skipped.
            guard raw.header.lastOffset >= expected else { continue }
            guard raw.header.baseOffset == expected else { throw StorageError.offsetMismatch(expected: expected, got: raw.header.baseOffset) }
            batches.append(AppendableBatch(raw: raw.bytes, decoded: try raw.decode()))
            expected = raw.header.nextOffset
        }
        try manager.appendFromLeader(partition, batches, leaderHighWatermark: answer.highWatermark, ifFollowing: leader, epoch: epoch)
    }
}
