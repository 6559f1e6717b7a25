import NIOCore
import PierProtocol
import PierStorage

/// Fetch (v4+; v13+ names topics by id): reads each partition this broker leads within Kafka's byte
/// limits (`FetchBudget`) — a consumer up to the high watermark, a follower (`replica_id` ≥ 0 before
/// v15, `replica_state.replica_id` from v15) up to the log end. A follower's fetch offset is its log
/// end: the leader records it, which may move the high watermark and the ISR, before reading. When
/// fewer than `min_bytes` are available it waits for an append (or a high-watermark move) on any
/// fetched partition, up to `max_wait_ms`, and reads again: a produce answers a waiting follower at
/// once, and the follower's next fetch a waiting consumer.
///
/// Fetch sessions (KIP-227) are declined: every full fetch is answered with session id 0, which
/// clients accept by sending full fetches again; an incremental fetch (epoch > 0) finds no session.
struct FetchHandler {
    let context: BrokerContext

    func response(to request: FetchRequest, version: Int16) async throws -> FetchResponse {
        guard request.sessionEpoch == Self.fullFetchEpoch || request.sessionEpoch == Self.closingEpoch else {
            return FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0)
        }
        let follower = Self.replicaID(of: request, version: version)
        let wanted = try await context.blocking { resolve(request.topics, version: version, follower: follower) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(request.maxWaitMs, 0)))
        while true {
            // Generations are noted before reading, so an append landing after the read still wakes the wait.
            let seen = Dictionary(wanted.flatMap(\.partitions).compactMap(\.partition).map { ($0, context.appends.generation(of: $0)) },
                                  uniquingKeysWith: { first, _ in first })
            let read = try await context.blocking { readAll(wanted, request: request, version: version, toLogEnd: follower != nil) }
            let remaining = clock.now.duration(to: deadline)
            if read.bytes >= Int(request.minBytes) || read.hasErrors || seen.isEmpty || remaining <= .zero {
                // Replication traffic is not consumption: the byte and record counters stay the clients'.
                if follower == nil { count(read, of: wanted) }
                var response = FetchResponse(errorCode: ErrorCode.noError.rawValue, sessionId: 0, responses: read.topics)
                if version >= 16 { response.nodeEndpoints = endpoints(of: wanted) }
                return response
            }
            _ = await context.appends.waitForAppend(after: seen, timeout: remaining)
        }
    }

    /// The registered addresses of the leaders named in `current_leader` (v16+), so the client can go there at once.
    private func endpoints(of wanted: [WantedTopic]) -> [FetchResponse.NodeEndpoint] {
        Set(wanted.flatMap(\.partitions).map(\.leader.leaderId).filter { $0 >= 0 }).sorted().compactMap { id in
            context.replicas.address(of: id).map { FetchResponse.NodeEndpoint(nodeId: id, host: $0.host, port: $0.port, rack: $0.rack) }
        }
    }

    /// Counts the records and bytes the response carries, per topic; names come from the request,
    /// since responses from v13 name topics by id only.
    private func count(_ read: Read, of wanted: [WantedTopic]) {
        guard read.bytes > 0 else { return }
        for (topic, response) in zip(wanted, read.topics) {
            for partition in response.partitions {
                if let records = partition.records { context.metrics.fetched(fromTopic: topic.name, batches: records) }
            }
        }
    }

    /// The broker a fetch comes from when it is a follower's, nil for a consumer's.
    static func replicaID(of request: FetchRequest, version: Int16) -> Int32? {
        let id = version >= 15 ? request.replicaState.replicaId : request.replicaId
        return id >= 0 ? id : nil
    }

    /// Session epochs of a full fetch: 0 opens a session (declined here), -1 asks for none.
    static let fullFetchEpoch: Int32 = 0
    static let closingEpoch: Int32 = -1

    /// One requested topic, resolved once per request.
    struct WantedTopic: Sendable {
        var name: String
        var topicID: KafkaUUID
        var partitions: [WantedPartition]
    }

    struct WantedPartition: Sendable {
        var request: FetchRequest.FetchPartition
        /// Nil when the topic or partition cannot be read here; `error` says why.
        var partition: TopicPartition?
        var error: ErrorCode
        /// The leader as this broker knows it, when `error` is about leadership (v12+ `current_leader`).
        var leader = FetchResponse.LeaderIdAndEpoch()
    }

    /// Runs on the storage threads. A follower's fetch offsets are recorded here, once per request.
    private func resolve(_ topics: [FetchRequest.FetchTopic], version: Int16, follower: Int32?) -> [WantedTopic] {
        topics.map { topic in
            let view: TopicView?
            var missing = version >= 13 ? ErrorCode.unknownTopicId : .unknownTopicOrPartition
            do throws(TopicProblem) {
                view = version >= 13 ? try context.topics.view(topicID: topic.topicId) : try context.topics.view(topic.topic)
            } catch {
                view = nil
                missing = error.errorCode
            }
            let partitions = topic.partitions.map { requested -> WantedPartition in
                guard let view else { return WantedPartition(request: requested, partition: nil, error: missing) }
                guard view.partitions[requested.partition] != nil else {
                    return WantedPartition(request: requested, partition: nil, error: .unknownTopicOrPartition)
                }
                let partition = TopicPartition(view.name, requested.partition)
                switch context.leadership(of: partition, currentLeaderEpoch: requested.currentLeaderEpoch) {
                case .leading:
                    if let follower, !context.replicas.followerFetched(partition, replica: follower, fetchOffset: requested.fetchOffset) {
                        return WantedPartition(request: requested, partition: nil, error: .notLeaderOrFollower)
                    }
                    return WantedPartition(request: requested, partition: partition, error: .noError)
                case let .refused(code, leader, epoch):
                    return WantedPartition(request: requested, partition: nil, error: code,
                                           leader: FetchResponse.LeaderIdAndEpoch(leaderId: leader, leaderEpoch: epoch))
                }
            }
            return WantedTopic(name: view?.name ?? topic.topic, topicID: topic.topicId, partitions: partitions)
        }
    }

    private struct Read {
        var topics: [FetchResponse.FetchableTopicResponse]
        var bytes: Int
        var hasErrors: Bool
    }

    /// Runs on the storage threads: every partition in request order, charged to one budget.
    private func readAll(_ wanted: [WantedTopic], request: FetchRequest, version: Int16, toLogEnd: Bool) -> Read {
        var budget = FetchBudget(responseMaxBytes: request.maxBytes)
        var bytes = 0
        var hasErrors = false
        let readCommitted = request.isolationLevel == 1
        let topics = wanted.map { topic in
            let partitions = topic.partitions.map { wantedPartition -> FetchResponse.PartitionData in
                let index = wantedPartition.request.partition
                guard let partition = wantedPartition.partition else {
                    hasErrors = true
                    var failed = Self.failed(index, wantedPartition.error)
                    if version >= 12 { failed.currentLeader = wantedPartition.leader }
                    return failed
                }
                do throws(StorageError) {
                    let log = try context.registry.log(for: partition)
                    var records = ByteBuffer()
                    var state = (logStart: log.logStartOffset, highWatermark: log.highWatermark)
                    let offset = wantedPartition.request.fetchOffset
                    if let limit = budget.readLimit(partitionMaxBytes: wantedPartition.request.partitionMaxBytes) {
                        // Consumers read committed records only (with no transactions yet the last stable
                        // offset is the high watermark); followers read everything the leader has.
                        let result = try log.read(from: offset, maxBytes: limit, upperBound: toLogEnd ? nil : state.highWatermark)
                        records = budget.take(result.batches, limit: limit)
                        state = (result.logStartOffset, result.highWatermark)
                    } else if offset < state.logStart || offset > log.logEndOffset {
                        throw StorageError.offsetOutOfRange(requested: offset, logStartOffset: state.logStart, logEndOffset: log.logEndOffset)
                    }
                    bytes += records.readableBytes
                    return FetchResponse.PartitionData(
                        partitionIndex: index, errorCode: ErrorCode.noError.rawValue, highWatermark: state.highWatermark,
                        lastStableOffset: state.highWatermark, logStartOffset: state.logStart,
                        abortedTransactions: readCommitted ? [] : nil, records: records
                    )
                } catch {
                    hasErrors = true
                    if case .offsetOutOfRange = error {} else {
                        context.logger.warning("fetch failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
                    }
                    return Self.failed(index, error.errorCode)
                }
            }
            // Before v13 topics go by name, from v13 by id; the other field must stay at its default.
            return FetchResponse.FetchableTopicResponse(
                topic: version >= 13 ? "" : topic.name, topicId: version >= 13 ? topic.topicID : .zero, partitions: partitions
            )
        }
        return Read(topics: topics, bytes: bytes, hasErrors: hasErrors)
    }

    private static func failed(_ index: Int32, _ code: ErrorCode) -> FetchResponse.PartitionData {
        FetchResponse.PartitionData(partitionIndex: index, errorCode: code.rawValue, highWatermark: -1, lastStableOffset: -1,
                                    logStartOffset: -1, records: ByteBuffer())
    }
}
