import PierProtocol
import PierStorage

/// ListOffsets (v1+): the earliest, latest or max-timestamp offset of each partition, or the first
/// offset at or after a timestamp. Consumers only see committed records, so "latest" is the high
/// watermark (the last stable offset too, as there are no transactions yet) and lookups by time
/// ignore anything above it.
struct ListOffsetsHandler {
    let context: BrokerContext

    /// Kafka's special timestamps.
    enum Query: Equatable {
        case earliest, latest, maxTimestamp, earliestLocal, latestTiered
        case atOrAfter(Int64)

        init(timestamp: Int64) {
            switch timestamp {
            case -2: self = .earliest
            case -1: self = .latest
            case -3: self = .maxTimestamp
            case -4: self = .earliestLocal
            case -5: self = .latestTiered
            default: self = .atOrAfter(timestamp)
            }
        }
    }

    func response(to request: ListOffsetsRequest, version: Int16) async throws -> ListOffsetsResponse {
        try await context.blocking { respond(to: request, version: version) }
    }

    private func respond(to request: ListOffsetsRequest, version: Int16) -> ListOffsetsResponse {
        ListOffsetsResponse(topics: request.topics.map { topic in
            let (view, missing) = context.topics.lookUp(topic.name)
            return ListOffsetsResponse.ListOffsetsTopicResponse(name: topic.name, partitions: topic.partitions.map { requested in
                guard let view else { return Self.failed(requested.partitionIndex, missing) }
                guard view.partitions[requested.partitionIndex] != nil else { return Self.failed(requested.partitionIndex, .unknownTopicOrPartition) }
                switch context.leadership(of: TopicPartition(topic.name, requested.partitionIndex), currentLeaderEpoch: requested.currentLeaderEpoch) {
                case .refused(let code, _, _):
                    return Self.failed(requested.partitionIndex, code)
                case .leading(let leaderEpoch, _, _, _):
                    do throws(StorageError) {
                        let log = try context.registry.log(for: TopicPartition(topic.name, requested.partitionIndex))
                        let query = Query(timestamp: requested.timestamp)
                        let found = try Self.lookUp(query, in: log)
                        return ListOffsetsResponse.ListOffsetsPartitionResponse(
                            partitionIndex: requested.partitionIndex, errorCode: ErrorCode.noError.rawValue,
                            timestamp: found.timestamp, offset: found.offset,
                            // The field exists from v4 on; older versions must leave it at its default.
                            leaderEpoch: version >= 4 ? Self.epoch(of: found, for: query, in: log, leaderEpoch: leaderEpoch) : -1
                        )
                    } catch {
                        context.logger.warning("list offsets failed", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                        return Self.failed(requested.partitionIndex, error.errorCode)
                    }
                }
            })
        })
    }

    /// Offsets answer with timestamp -1 except time lookups; nothing found is offset -1, timestamp -1.
    static func lookUp(_ query: Query, in log: any PartitionLog) throws(StorageError) -> TimestampAndOffset {
        let none = TimestampAndOffset(timestamp: -1, offset: -1)
        let visibleEnd = log.highWatermark
        switch query {
        case .earliest, .earliestLocal:
            // Without tiered storage the local log is the whole log.
            return TimestampAndOffset(timestamp: -1, offset: log.logStartOffset)
        case .latest:
            return TimestampAndOffset(timestamp: -1, offset: visibleEnd)
        case .latestTiered:
            return none
        case .maxTimestamp:
            guard let found = try log.offsetOfMaxTimestamp(), found.offset < visibleEnd else { return none }
            return found
        case .atOrAfter(let timestamp):
            guard let found = try log.offset(forTimestamp: timestamp), found.offset < visibleEnd else { return none }
            return found
        }
    }

    /// The leader epoch a client validates the offset with (OffsetForLeaderEpoch), as Kafka reports
    /// it: the current epoch for "latest", otherwise the epoch in force at the offset found; -1
    /// (unknown, so clients skip the validation) when nothing was found or no epoch covers it.
    static func epoch(of found: TimestampAndOffset, for query: Query, in log: any PartitionLog, leaderEpoch: Int32) -> Int32 {
        guard found.offset >= 0 else { return -1 }
        if query == .latest { return leaderEpoch }
        return log.leaderEpoch(at: found.offset) ?? -1
    }

    private static func failed(_ index: Int32, _ code: ErrorCode) -> ListOffsetsResponse.ListOffsetsPartitionResponse {
        ListOffsetsResponse.ListOffsetsPartitionResponse(partitionIndex: index, errorCode: code.rawValue, timestamp: -1, offset: -1)
    }
}
