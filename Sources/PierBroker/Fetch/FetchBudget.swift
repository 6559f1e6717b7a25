import NIOCore
import PierRecords

/// Kafka's byte limits for one fetch response: each partition gets at most `partition_max_bytes`
/// and what is left of the response's `max_bytes`; the first partition that has data returns at
/// least one whole batch even when that batch is larger, so a big batch never blocks a consumer
/// (KIP-74). After that, batches that do not fit are left for the next fetch.
struct FetchBudget: Sendable, Equatable {
    private(set) var remainingBytes: Int
    /// True until a partition has returned data.
    private(set) var owesOneBatch = true

    init(responseMaxBytes: Int32) {
        remainingBytes = max(Int(responseMaxBytes), 0)
    }

    /// The `maxBytes` to read a partition with, or nil when nothing can be returned for it.
    func readLimit(partitionMaxBytes: Int32) -> Int? {
        let limit = min(max(Int(partitionMaxBytes), 0), remainingBytes)
        return limit > 0 || owesOneBatch ? limit : nil
    }

    /// Keeps the whole batches of `batches` that fit `limit` (the first one regardless while one
    /// batch is owed) and charges them to the response. Slices, never copies.
    mutating func take(_ batches: ByteBuffer, limit: Int) -> ByteBuffer {
        var kept = 0
        var index = batches.readerIndex
        while kept < batches.readableBytes,
              let length = batches.getInteger(at: index + RecordBatchHeader.Offset.batchLength, as: Int32.self) {
            let size = Int(length) + RecordBatchHeader.logOverhead
            guard size > 0, kept + size <= batches.readableBytes else { break }
            if kept + size > limit && !(owesOneBatch && kept == 0) { break }
            kept += size
            index += size
        }
        if kept > 0 { owesOneBatch = false }
        remainingBytes = max(0, remainingBytes - kept)
        return batches.getSlice(at: batches.readerIndex, length: kept)!
    }
}
