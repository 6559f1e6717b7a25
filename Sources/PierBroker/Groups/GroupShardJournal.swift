import Foundation
import NIOCore
import PierRecords
import PierStorage

/// The record form of `GroupOperation`s in a shard's `__consumer_offsets` partition: one record per
/// operation, keyed by its group id, its value the operation as JSON (readable with `sqlite3` in the
/// partition's `records_text` view). The partition is replicated like any other, so the followers
/// of a shard hold everything a new coordinator needs to rebuild it.
enum GroupShardJournal {
    /// Kafka's name for the internal topic whose partitions are the group shards.
    static let topic = "__consumer_offsets"

    struct Corrupt: Error, CustomStringConvertible {
        var offset: Int64
        var reason: String
        var description: String { "group journal record at offset \(offset): \(reason)" }
    }

    static func batch(_ operation: GroupOperation, timestamp: Int64) throws -> AppendableBatch {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let value = try encoder.encode(operation)
        let record = NewRecord(key: operation.groupID.map { ByteBuffer(string: $0) }, value: ByteBuffer(bytes: value), timestamp: timestamp)
        let batch = RecordBatch.make(records: [record])
        return AppendableBatch(raw: try batch.encoded(), decoded: batch)
    }

    /// Applies every operation of the log, from its start to its end, to `store`; returns how many.
    @discardableResult
    static func replay(_ log: any PartitionLog, into store: GroupMetadataStore) throws -> Int {
        var offset = log.logStartOffset
        var applied = 0
        let decoder = JSONDecoder()
        while offset < log.logEndOffset {
            var batches = try log.read(from: offset, maxBytes: 4 << 20, upperBound: nil).batches
            guard batches.readableBytes > 0 else { break }
            while batches.readableBytes > 0 {
                let batch = try RecordBatch(decoding: &batches)
                for record in batch.records {
                    let position = batch.offset(of: record)
                    guard position >= offset else { continue }
                    guard let value = record.value else { throw Corrupt(offset: position, reason: "no value") }
                    let operation: GroupOperation
                    do {
                        operation = try decoder.decode(GroupOperation.self, from: Data(value.readableBytesView))
                    } catch {
                        throw Corrupt(offset: position, reason: "\(error)")
                    }
                    try store.apply(operation)
                    applied += 1
                }
                offset = batch.header.baseOffset + Int64(batch.header.lastOffsetDelta) + 1
            }
        }
        return applied
    }
}
