import NIOCore

/// In-place edits of an encoded batch, for the append path: the broker assigns offsets, stamps
/// its leader epoch and, for LogAppendTime topics, the append time, without decoding records.
///
/// `index` is the absolute index of the batch's first byte in `buffer` (default: reader index).
extension RecordBatch {
    /// baseOffset is outside the CRC, so nothing else changes.
    public static func rewriteBaseOffset(_ baseOffset: Int64, in buffer: inout ByteBuffer, at index: Int? = nil) throws(RecordBatchError) {
        let start = index ?? buffer.readerIndex
        _ = try RecordBatchHeader(parsing: buffer, at: start)
        buffer.setInteger(baseOffset, at: start + RecordBatchHeader.Offset.baseOffset)
    }

    /// partitionLeaderEpoch is outside the CRC, so nothing else changes.
    public static func rewritePartitionLeaderEpoch(_ epoch: Int32, in buffer: inout ByteBuffer, at index: Int? = nil) throws(RecordBatchError) {
        let start = index ?? buffer.readerIndex
        _ = try RecordBatchHeader(parsing: buffer, at: start)
        buffer.setInteger(epoch, at: start + RecordBatchHeader.Offset.partitionLeaderEpoch)
    }

    /// Marks the batch LogAppendTime with `timestamp` as maxTimestamp (Kafka leaves baseTimestamp
    /// and the record deltas alone), then recomputes the CRC, which covers both fields.
    /// The whole batch must be present, since the CRC spans it.
    public static func rewriteLogAppendTime(_ timestamp: Int64, in buffer: inout ByteBuffer, at index: Int? = nil) throws(RecordBatchError) {
        let start = index ?? buffer.readerIndex
        let header = try RecordBatchHeader(parsing: buffer, at: start)
        guard buffer.writerIndex - start >= header.totalSize else { throw .truncated }
        // Set only the timestamp-type bit: attribute bits this code does not know stay as sent.
        let attributes = buffer.getInteger(at: start + RecordBatchHeader.Offset.attributes, as: Int16.self)!
        buffer.setInteger(attributes | RecordBatchAttributes.timestampTypeBit, at: start + RecordBatchHeader.Offset.attributes)
        buffer.setInteger(timestamp, at: start + RecordBatchHeader.Offset.maxTimestamp)
        let crc = buffer.withUnsafeReadableBytes { bytes in
            let crcStart = start - buffer.readerIndex + RecordBatchHeader.Offset.attributes
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[crcStart..<(crcStart + header.totalSize - RecordBatchHeader.Offset.attributes)]))
        }
        buffer.setInteger(crc, at: start + RecordBatchHeader.Offset.crc)
    }
}

extension RawRecordBatch {
    public mutating func rewriteBaseOffset(_ baseOffset: Int64) throws(RecordBatchError) {
        try RecordBatch.rewriteBaseOffset(baseOffset, in: &bytes)
        header.baseOffset = baseOffset
    }

    public mutating func rewritePartitionLeaderEpoch(_ epoch: Int32) throws(RecordBatchError) {
        try RecordBatch.rewritePartitionLeaderEpoch(epoch, in: &bytes)
        header.partitionLeaderEpoch = epoch
    }

    public mutating func rewriteLogAppendTime(_ timestamp: Int64) throws(RecordBatchError) {
        try RecordBatch.rewriteLogAppendTime(timestamp, in: &bytes)
        header = try RecordBatchHeader(parsing: bytes)
    }
}
