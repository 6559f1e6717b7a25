import Foundation
import NIOCore
import PierClient
import PierRecords

/// `pier produce`: sends records to a topic, batched per partition as a producer batches them
/// (a batch goes when it holds `batchBytes`, or at the end of input), with acks=all. Partitions:
/// the one given, else the line's own (JSON input), else the key's murmur2 partition, else round
/// robin.
public final class RecordProducer {
    /// What went to one partition: from which offset, how many records.
    public struct PartitionWrite: Equatable, Sendable {
        public var firstOffset: Int64
        public var count: Int
    }

    public struct Summary: Equatable, Sendable {
        public var records: Int
        public var partitions: [Int32: PartitionWrite]
    }

    private let session: BrokerSession
    private let topic: String
    private let fixedPartition: Int32?
    private let partitionCount: Int32
    private let batchBytes: Int
    private var pending: [Int32: (records: [NewRecord], bytes: Int)] = [:]
    private var leaders: [Int32: KafkaConnection] = [:]
    private var nextRoundRobin: Int32 = 0
    private var summary = Summary(records: 0, partitions: [:])

    public init(session: BrokerSession, topic: String, partition: Int32?, batchBytes: Int = 512 * 1024) async throws {
        self.session = session
        self.topic = topic
        // Refuses an unknown topic or partition before any input is read.
        _ = try await session.partitions(of: topic, only: partition)
        fixedPartition = partition
        partitionCount = Int32(try await session.partitions(of: topic).count)
        self.batchBytes = batchBytes
    }

    public func add(_ record: InputRecord, timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) async throws {
        let partition: Int32
        if let fixedPartition {
            partition = fixedPartition
        } else if let chosen = record.partition {
            guard (0..<partitionCount).contains(chosen) else {
                throw ToolFailure("topic '\(topic)' has no partition \(chosen) (it has \(partitionCount))")
            }
            partition = chosen
        } else if let key = record.key {
            partition = KeyPartitioner.partition(forKey: key.readableBytesView, partitionCount: partitionCount)
        } else {
            partition = nextRoundRobin
            nextRoundRobin = (nextRoundRobin + 1) % partitionCount
        }
        let size = 32 + (record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0)
            + record.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.readableBytes ?? 0) + 8 }
        pending[partition, default: ([], 0)].records.append(NewRecord(key: record.key, value: record.value, headers: record.headers, timestamp: timestamp))
        pending[partition]!.bytes += size
        if pending[partition]!.bytes >= batchBytes { try await send(partition) }
    }

    /// Sends what is still batched and returns what was written.
    public func finish() async throws -> Summary {
        for partition in pending.keys.sorted() { try await send(partition) }
        return summary
    }

    private func send(_ partition: Int32) async throws {
        guard let batch = pending.removeValue(forKey: partition), !batch.records.isEmpty else { return }
        let encoded: ByteBuffer
        do { encoded = try RecordBatch.make(records: batch.records).encoded() } catch {
            throw ToolFailure("cannot encode a batch for \(topic)-\(partition): \(error)")
        }
        let leader: KafkaConnection
        if let known = leaders[partition] { leader = known } else {
            leader = try await session.leader(of: topic, partition: partition)
            leaders[partition] = leader
        }
        guard let baseOffset = try await leader.produce(topic: topic, partition: partition, records: encoded, acks: -1) else { return }
        summary.records += batch.records.count
        let previous = summary.partitions[partition]
        summary.partitions[partition] = PartitionWrite(firstOffset: previous?.firstOffset ?? baseOffset, count: (previous?.count ?? 0) + batch.records.count)
    }
}
