import NIOCore
import PierProtocol
import PierStorage

/// Fetch (v4+; v13+ names topics by id): reads each partition up to its high watermark within
/// Kafka's byte limits (`FetchBudget`). When fewer than `min_bytes` are available it waits for an
/// append to any fetched partition, up to `max_wait_ms`, and reads again: a produce answers a
/// waiting consumer at once.
///
/// Fetch sessions (KIP-227) are declined: every full fetch is answered with session id 0, which
/// clients accept by sending full fetches again; an incremental fetch (epoch > 0) finds no session.
struct FetchHandler {
    let context: BrokerContext

    func response(to request: FetchRequest, version: Int16) async throws -> FetchResponse {
        guard request.sessionEpoch == Self.fullFetchEpoch || request.sessionEpoch == Self.closingEpoch else {
            return FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0)
        }
        let wanted = try await context.blocking { resolve(request.topics, version: version) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(max(request.maxWaitMs, 0)))
        while true {
            // Generations are noted before reading, so an append landing after the read still wakes the wait.
            let seen = Dictionary(wanted.flatMap(\.partitions).compactMap(\.partition).map { ($0, context.appends.generation(of: $0)) },
                                  uniquingKeysWith: { first, _ in first })
            let read = try await context.blocking { readAll(wanted, request: request, version: version) }
            let remaining = clock.now.duration(to: deadline)
            if read.bytes >= Int(request.minBytes) || read.hasErrors || seen.isEmpty || remaining <= .zero {
                count(read, of: wanted)
                return FetchResponse(errorCode: ErrorCode.noError.rawValue, sessionId: 0, responses: read.topics)
            }
            _ = await context.appends.waitForAppend(after: seen, timeout: remaining)
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
    }

    private func resolve(_ topics: [FetchRequest.FetchTopic], version: Int16) -> [WantedTopic] {
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
                switch view.leadership(of: requested.partition, on: context.nodeID, currentLeaderEpoch: requested.currentLeaderEpoch) {
                case .leading:
                    return WantedPartition(request: requested, partition: TopicPartition(view.name, requested.partition), error: .noError)
                case .refused(let code):
                    return WantedPartition(request: requested, partition: nil, error: code)
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
    private func readAll(_ wanted: [WantedTopic], request: FetchRequest, version: Int16) -> Read {
        var budget = FetchBudget(responseMaxBytes: request.maxBytes)
        var bytes = 0
        var hasErrors = false
        let readCommitted = request.isolationLevel == 1
        let topics = wanted.map { topic in
            let partitions = topic.partitions.map { wantedPartition -> FetchResponse.PartitionData in
                let index = wantedPartition.request.partition
                guard let partition = wantedPartition.partition else {
                    hasErrors = true
                    return Self.failed(index, wantedPartition.error)
                }
                do throws(StorageError) {
                    let log = try context.registry.log(for: partition)
                    var records = ByteBuffer()
                    var state = (logStart: log.logStartOffset, highWatermark: log.highWatermark)
                    let offset = wantedPartition.request.fetchOffset
                    if let limit = budget.readLimit(partitionMaxBytes: wantedPartition.request.partitionMaxBytes) {
                        // Consumers (and, until replication, followers) read committed records only:
                        // with no transactions yet the last stable offset is the high watermark.
                        let result = try log.read(from: offset, maxBytes: limit, upperBound: state.highWatermark)
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
