import Foundation
import PierClient
import PierStorage

/// Where `pier replay` reads one partition from: a broker, or the partition's files.
public protocol RecordSource {
    /// `topic-partition`, for messages.
    var name: String { get }
    func bounds() async throws -> (logStart: Int64, logEnd: Int64)
    /// First offset whose timestamp is ≥ `milliseconds`; nil when none is.
    func offset(forTime milliseconds: Int64) async throws -> Int64?
    /// The next records of `range` from its start, in order, and the offset after them (past
    /// `range.lowerBound`; a chunk may be empty where the log has gaps).
    func chunk(of range: Range<Int64>) async throws -> (records: [StoredRecord], next: Int64)
}

/// Reads through the partition's leader with Fetch, one request at a time.
public struct BrokerRecordSource: RecordSource {
    let connection: KafkaConnection
    let topic: String
    let partition: Int32
    let fetchBytes: Int32
    public var name: String { "\(topic)-\(partition)" }

    public init(session: BrokerSession, topic: String, partition: Int32, fetchBytes: Int32 = 4 << 20) async throws {
        _ = try await session.partitions(of: topic, only: partition)
        connection = try await session.leader(of: topic, partition: partition)
        self.topic = topic
        self.partition = partition
        self.fetchBytes = fetchBytes
    }

    public func bounds() async throws -> (logStart: Int64, logEnd: Int64) {
        (try await connection.listOffsets(topic: topic, partition: partition, .earliest),
         try await connection.listOffsets(topic: topic, partition: partition, .latest))
    }

    public func offset(forTime milliseconds: Int64) async throws -> Int64? {
        let found = try await connection.listOffsets(topic: topic, partition: partition, .timestamp(milliseconds))
        return found >= 0 ? found : nil
    }

    public func chunk(of range: Range<Int64>) async throws -> (records: [StoredRecord], next: Int64) {
        for _ in 0..<20 {
            let fetched = try await connection.fetch(topic: topic, partition: partition, offset: range.lowerBound, maxWait: .milliseconds(100),
                                                     minBytes: 1, maxBytes: fetchBytes)
            let (records, after) = try FetchedRecords.decode(fetched.records, from: range.lowerBound, topic: topic, partition: partition)
            if after > range.lowerBound {
                return (records.filter { $0.offset < range.upperBound }, min(after, range.upperBound))
            }
        }
        // The range was checked against the log before reading: records that stop coming were deleted meanwhile.
        throw ToolFailure("\(name): no records arrive at offset \(range.lowerBound)")
    }
}

/// Reads a partition's files read-only (`ReadOnlyPartition`), beside a running broker or without one.
public final class FileRecordSource: RecordSource {
    let partition: any ReadOnlyPartition
    public let name: String
    let chunkSize: Int64

    /// `<dataDirectory>/<topic>-<partition>`, as the broker lays partitions out.
    public init(dataDirectory: String, topic: String, partition: Int32, chunkSize: Int64 = 10_000) throws {
        name = "\(topic)-\(partition)"
        let directory = dataDirectory + "/" + name
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ToolFailure("unknown topic or partition \(name) in \(dataDirectory)")
        }
        self.partition = try ReadOnlyPartitionOpener.open(directory: directory)
        self.chunkSize = chunkSize
    }

    deinit { partition.close() }

    public func bounds() async throws -> (logStart: Int64, logEnd: Int64) {
        (partition.logStartOffset, partition.logEndOffset)
    }

    public func offset(forTime milliseconds: Int64) async throws -> Int64? {
        try partition.offset(forTimestamp: milliseconds)
    }

    public func chunk(of range: Range<Int64>) async throws -> (records: [StoredRecord], next: Int64) {
        let end = min(range.lowerBound + chunkSize, range.upperBound)
        return (try records(in: range.lowerBound..<end), end)
    }

    private func records(in range: Range<Int64>) throws -> [StoredRecord] {
        var records: [StoredRecord] = []
        records.reserveCapacity(range.count)
        try partition.readRecords(in: range) { records.append($0); return true }
        return records
    }
}
