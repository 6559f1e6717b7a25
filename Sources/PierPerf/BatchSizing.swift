import PierRecords

/// How many records of a given size fit one record batch of at most `batchBytes`, as a producer's
/// `batch.size` bounds its batches. Assumes what the perf producer builds: a null key, no headers,
/// and one timestamp for the whole batch (timestamp deltas of 0).
public enum BatchSizing {
    /// The bytes the record at `offsetDelta` takes in such a batch.
    public static func recordSize(valueSize: Int, offsetDelta: Int) -> Int {
        // attributes, timestamp delta, offset delta, null key, value length, value, header count
        let body = 1 + 1 + varintSize(offsetDelta) + 1 + varintSize(valueSize) + valueSize + 1
        return varintSize(body) + body
    }

    /// At least one record, whatever the limit (a producer sends an oversized record alone).
    public static func recordsPerBatch(valueSize: Int, batchBytes: Int) -> Int {
        var size = RecordBatchHeader.size + recordSize(valueSize: valueSize, offsetDelta: 0)
        var count = 1
        while true {
            let next = size + recordSize(valueSize: valueSize, offsetDelta: count)
            guard next <= batchBytes else { return count }
            size = next
            count += 1
        }
    }

    /// Bytes of a zigzag varint holding the non-negative `value`.
    static func varintSize(_ value: Int) -> Int {
        var zigzag = UInt64(value) << 1
        var size = 1
        while zigzag >= 0x80 {
            zigzag >>= 7
            size += 1
        }
        return size
    }
}
