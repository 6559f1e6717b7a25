import NIOCore
import PierRecords
import PierStorage

/// The records a Fetch returned, as a consumer reads them: batches decoded (CRC checked), control
/// batches (transaction markers) left out, records before the offset asked for skipped (a fetch
/// starts with the whole batch holding it).
enum FetchedRecords {
    /// The records at or after `offset` and the offset to fetch next (past the last whole batch).
    static func decode(_ records: ByteBuffer, from offset: Int64, topic: String, partition: Int32) throws -> (records: [StoredRecord], next: Int64) {
        var decoded: [StoredRecord] = []
        var next = offset
        var batches = RecordBatchSequence(records, allowsTruncatedFinalBatch: true).makeIterator()
        do {
            while let raw = try batches.next() {
                let lastOffset = raw.header.baseOffset + Int64(raw.header.lastOffsetDelta)
                guard lastOffset >= next else { continue }
                if !raw.header.attributes.isControl {
                    for record in StoredRecord.records(of: try raw.decode()) where record.offset >= next {
                        decoded.append(record)
                    }
                }
                next = lastOffset + 1
            }
        } catch {
            throw ToolFailure("\(topic)-\(partition): a batch after offset \(next) is unreadable: \(error)")
        }
        return (decoded, next)
    }
}
