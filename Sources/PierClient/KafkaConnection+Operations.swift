import NIOCore
import PierProtocol

/// Which offset ListOffsets should look up.
public enum OffsetQuery: Sendable, Equatable {
    /// The log start offset.
    case earliest
    /// The log end offset (the offset the next record will get).
    case latest
    /// The first offset whose timestamp is at or after this many milliseconds since the epoch.
    case timestamp(Int64)

    var wireTimestamp: Int64 {
        switch self {
        case .earliest: -2
        case .latest: -1
        case .timestamp(let milliseconds): milliseconds
        }
    }
}

/// What one partition returned to a Fetch.
public struct FetchedPartition: Sendable {
    /// Zero or more record batches laid end to end; the last may be cut short at the byte limit.
    public var records: ByteBuffer
    public var highWatermark: Int64
    public var logStartOffset: Int64
}

/// The requests a simple producer and consumer need, each for one partition. Every partition-level
/// Kafka error code is thrown as `KafkaClientError.broker`.
extension KafkaConnection {
    /// Metadata for `topics` (nil: every topic). The broker may create missing topics when
    /// `allowAutoTopicCreation` is set and its configuration allows it.
    public func metadata(topics: [String]?, allowAutoTopicCreation: Bool = true) async throws -> MetadataResponse {
        try await send(MetadataRequest(
            topics: topics?.map { MetadataRequest.MetadataRequestTopic(name: $0) },
            allowAutoTopicCreation: allowAutoTopicCreation))
    }

    /// Appends one or more encoded record batches (v2) to a partition. Returns the base offset the
    /// broker assigned, or nil with acks=0, when the broker sends no answer.
    @discardableResult
    public func produce(topic: String, partition: Int32, records: ByteBuffer, acks: Int16, timeout: Duration = .seconds(30)) async throws -> Int64? {
        try await startProduce(topic: topic, partition: partition, records: records, acks: acks, timeout: timeout).value
    }

    /// `produce`, split: the request is written now and its answer awaited later, so that several
    /// can be in flight in a known order.
    public func startProduce(topic: String, partition: Int32, records: ByteBuffer, acks: Int16, timeout: Duration = .seconds(30)) throws -> PendingResponse<Int64?> {
        let request = ProduceRequest(acks: acks, timeoutMs: Self.milliseconds(timeout), topicData: [
            .init(name: topic, partitionData: [.init(index: partition, records: records)]),
        ])
        let version = try versions.version(for: .produce)
        guard acks != 0 else {
            return try startWithoutResponse(request, version: version).map { _ in nil }
        }
        return try start(request, version: version).map { response in
            guard let answer = response.responses.first(where: { $0.name == topic })?.partitionResponses.first(where: { $0.index == partition }) else {
                throw KafkaClientError.protocolViolation("the Produce response does not mention \(topic)-\(partition)")
            }
            try Self.check(answer.errorCode, context: "produce to \(topic)-\(partition)", message: answer.errorMessage)
            return answer.baseOffset
        }
    }

    /// Reads records from `offset` on: the broker waits up to `maxWait` for `minBytes` to be there and
    /// returns at most `maxBytes` (at least one whole batch, whatever the limit).
    public func fetch(topic: String, partition: Int32, offset: Int64, maxWait: Duration, minBytes: Int32, maxBytes: Int32) async throws -> FetchedPartition {
        let fetched = try await fetch(topic: topic, offsets: [partition: offset], maxWait: maxWait, minBytes: minBytes,
                                      maxBytes: maxBytes, partitionMaxBytes: maxBytes)
        guard let answer = fetched[partition] else {
            throw KafkaClientError.protocolViolation("the Fetch response does not mention \(topic)-\(partition)")
        }
        return answer
    }

    /// Reads several partitions of a topic in one request: each from its offset, up to
    /// `partitionMaxBytes` per partition. Partitions the response leaves out are absent.
    public func fetch(topic: String, offsets: [Int32: Int64], maxWait: Duration, minBytes: Int32, maxBytes: Int32,
                      partitionMaxBytes: Int32) async throws -> [Int32: FetchedPartition] {
        let request = FetchRequest(
            replicaId: -1, maxWaitMs: Self.milliseconds(maxWait), minBytes: minBytes, maxBytes: maxBytes,
            topics: [.init(topic: topic, partitions: offsets.sorted { $0.key < $1.key }.map {
                .init(partition: $0.key, fetchOffset: $0.value, partitionMaxBytes: partitionMaxBytes)
            })])
        let response = try await send(request)
        try Self.check(response.errorCode, context: "fetch from \(topic)", message: nil)
        var fetched: [Int32: FetchedPartition] = [:]
        for answer in response.responses.filter({ $0.topic == topic }).flatMap(\.partitions) {
            try Self.check(answer.errorCode, context: "fetch from \(topic)-\(answer.partitionIndex) at offset \(offsets[answer.partitionIndex] ?? -1)", message: nil)
            fetched[answer.partitionIndex] = FetchedPartition(records: answer.records ?? ByteBuffer(), highWatermark: answer.highWatermark,
                                                              logStartOffset: answer.logStartOffset)
        }
        return fetched
    }

    /// Looks up an offset of a partition (as a consumer does: replica id -1, read uncommitted).
    public func listOffsets(topic: String, partition: Int32, _ query: OffsetQuery) async throws -> Int64 {
        let request = ListOffsetsRequest(replicaId: -1, topics: [
            .init(name: topic, partitions: [.init(partitionIndex: partition, timestamp: query.wireTimestamp)]),
        ])
        let response = try await send(request)
        guard let answer = response.topics.first(where: { $0.name == topic })?.partitions.first(where: { $0.partitionIndex == partition }) else {
            throw KafkaClientError.protocolViolation("the ListOffsets response does not mention \(topic)-\(partition)")
        }
        try Self.check(answer.errorCode, context: "list offsets of \(topic)-\(partition)", message: nil)
        return answer.offset
    }

    /// The entry of a response's list that answers for what a request named (a topic, a group).
    static func answer<Entry>(in entries: [Entry], api: String, naming name: String, _ matches: (Entry) -> Bool) throws -> Entry {
        guard let entry = entries.first(where: matches) else {
            throw KafkaClientError.protocolViolation("the \(api) response does not mention \(name)")
        }
        return entry
    }

    static func check(_ errorCode: Int16, context: String, message: String?) throws {
        guard errorCode != ErrorCode.noError.rawValue else { return }
        let detail = message.map { "\(context) (\($0))" } ?? context
        guard let code = ErrorCode(rawValue: errorCode) else {
            throw KafkaClientError.protocolViolation("\(detail): unknown error code \(errorCode)")
        }
        throw KafkaClientError.broker(code, context: detail)
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
