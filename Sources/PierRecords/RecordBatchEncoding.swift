import NIOCore

extension RecordBatch {
    /// Appends the batch in wire format. `batchLength`, `crc` and `recordCount` are computed from
    /// the records (the values in `header` are ignored); every other header field is written as is,
    /// including `lastOffsetDelta`, which compaction may leave larger than `records.count - 1`.
    /// Records are compressed as one block per `header.attributes.compression`.
    public func encode(into buffer: inout ByteBuffer) throws(RecordBatchError) {
        try encode(into: &buffer, compressionLevel: nil)
    }

    /// `compressionLevel` is codec-specific; nil uses `RecordsCompression`'s defaults.
    public func encode(into buffer: inout ByteBuffer, compressionLevel: Int32?) throws(RecordBatchError) {
        guard header.magic == 2 else { throw .unsupportedMagic(header.magic) }
        guard records.count <= Int(Int32.max) else { throw .invalidRecord("too many records for one batch") }
        let start = buffer.writerIndex
        var headerToWrite = header
        headerToWrite.recordCount = Int32(records.count)
        headerToWrite.batchLength = 0
        headerToWrite.crc = 0
        headerToWrite.write(to: &buffer)
        if header.attributes.compression == .none {
            try RecordBatch.writeRecords(records, into: &buffer)
        } else {
            var plain = ByteBufferAllocator().buffer(capacity: RecordBatch.estimatedRecordsSize(records))
            try RecordBatch.writeRecords(records, into: &plain)
            try RecordsCompression.compress(plain, codec: header.attributes.compression, level: compressionLevel, into: &buffer)
        }
        let batchLength = buffer.writerIndex - start - RecordBatchHeader.logOverhead
        guard batchLength <= Int(Int32.max) else {
            buffer.moveWriterIndex(to: start)
            throw .invalidRecord("encoded batch of \(batchLength) bytes does not fit the int32 batchLength")
        }
        buffer.setInteger(Int32(batchLength), at: start + RecordBatchHeader.Offset.batchLength)
        let crc = buffer.withUnsafeReadableBytes { bytes in
            let crcStart = start - buffer.readerIndex + RecordBatchHeader.Offset.attributes
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[crcStart...]))
        }
        buffer.setInteger(crc, at: start + RecordBatchHeader.Offset.crc)
    }

    /// The batch in wire format in a new buffer.
    public func encoded() throws(RecordBatchError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: RecordBatchHeader.size + RecordBatch.estimatedRecordsSize(records))
        try encode(into: &buffer)
        return buffer
    }

    /// Builds a batch of records with consecutive offsets from `baseOffset`.
    ///
    /// baseTimestamp is the first record's timestamp (as the Java producer does), maxTimestamp the
    /// largest. An empty batch gets baseTimestamp = maxTimestamp = -1 and lastOffsetDelta = -1.
    public static func make(
        baseOffset: Int64 = 0,
        records newRecords: [NewRecord],
        compression: CompressionCodec = .none,
        timestampType: TimestampType = .createTime,
        partitionLeaderEpoch: Int32 = RecordBatchHeader.noPartitionLeaderEpoch,
        producerId: Int64 = RecordBatchHeader.noProducerId,
        producerEpoch: Int16 = RecordBatchHeader.noProducerEpoch,
        baseSequence: Int32 = RecordBatchHeader.noSequence,
        isTransactional: Bool = false,
        isControl: Bool = false
    ) -> RecordBatch {
        let baseTimestamp = newRecords.first?.timestamp ?? RecordBatchHeader.noTimestamp
        let maxTimestamp = newRecords.lazy.map(\.timestamp).max() ?? RecordBatchHeader.noTimestamp
        var records: [Record] = []
        records.reserveCapacity(newRecords.count)
        for (index, newRecord) in newRecords.enumerated() {
            records.append(Record(timestampDelta: newRecord.timestamp &- baseTimestamp, offsetDelta: Int32(truncatingIfNeeded: index),
                                  key: newRecord.key, value: newRecord.value, headers: newRecord.headers))
        }
        let header = RecordBatchHeader(
            baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch,
            attributes: RecordBatchAttributes(compression: compression, timestampType: timestampType,
                                              isTransactional: isTransactional, isControl: isControl),
            lastOffsetDelta: Int32(truncatingIfNeeded: newRecords.count - 1),
            baseTimestamp: baseTimestamp, maxTimestamp: maxTimestamp,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            recordCount: Int32(truncatingIfNeeded: newRecords.count))
        return RecordBatch(header: header, records: records)
    }

    /// Absolute offset of `record` in the log.
    public func offset(of record: Record) -> Int64 { header.baseOffset + Int64(record.offsetDelta) }

    /// The timestamp Kafka reports for `record`: the batch's maxTimestamp under LogAppendTime.
    public func timestamp(of record: Record) -> Int64 {
        header.attributes.timestampType == .logAppendTime ? header.maxTimestamp : header.baseTimestamp &+ record.timestampDelta
    }

    static func estimatedRecordsSize(_ records: [Record]) -> Int {
        var total = 0
        for record in records {
            total += 16 + (record.key?.readableBytes ?? 0) + (record.value?.readableBytes ?? 0) + record.headers.count * 16
        }
        return total
    }

    @inline(__always) static func bodySize(of record: borrowing Record) throws(RecordBatchError) -> Int {
        var size = 1 + ZigZag.size(of: record.timestampDelta) + ZigZag.size(of: record.offsetDelta)
        size += fieldSize(record.key) + fieldSize(record.value)
        guard record.headers.count <= Int(Int32.max) else { throw .invalidRecord("too many headers") }
        size += ZigZag.size(of: Int32(record.headers.count))
        for header in record.headers {
            let keyLength = header.key.utf8.count
            guard keyLength <= Int(Int32.max) else { throw .invalidRecord("header key too long") }
            size += ZigZag.size(of: Int32(keyLength)) + keyLength + fieldSize(header.value)
        }
        guard size <= Int(Int32.max) else { throw .invalidRecord("record of \(size) bytes does not fit an int32 length") }
        return size
    }

    @inline(__always) static func fieldSize(_ bytes: ByteBuffer?) -> Int {
        guard let bytes else { return 1 }
        return ZigZag.size(of: Int32(truncatingIfNeeded: bytes.readableBytes)) + bytes.readableBytes
    }

    static func writeRecords(_ records: [Record], into buffer: inout ByteBuffer) throws(RecordBatchError) {
        // Two passes: sizes first (this also validates every length), then one reservation and
        // one unsafe write for all records instead of a capacity check per record.
        var totalSize = 0
        for index in records.indices {
            let bodySize = try bodySize(of: records[index])
            totalSize += ZigZag.size(of: Int32(bodySize)) + bodySize
        }
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: totalSize) { target in
            var at = 0
            records.withUnsafeBufferPointer { records in
                for index in records.indices {
                    // Sizes were validated above; recomputing is cheaper than storing them.
                    let bodySize = (try? bodySize(of: records[index])) ?? 0
                    at += writeRecord(records[index], bodySize: bodySize, to: target.baseAddress! + at)
                }
            }
            return at
        }
        precondition(written == totalSize, "record size computation and writer disagree")
    }

    /// Writes one record whose size `bodySize(of:)` already validated; returns bytes written.
    @inline(__always) static func writeRecord(_ record: borrowing Record, bodySize: Int, to base: UnsafeMutableRawPointer) -> Int {
        var at = ZigZag.write(Int32(bodySize), to: base)
        base.storeBytes(of: record.attributes, toByteOffset: at, as: Int8.self)
        at += 1
        at += ZigZag.write(record.timestampDelta, to: base + at)
        at += ZigZag.write(record.offsetDelta, to: base + at)
        at += writeField(record.key, to: base + at)
        at += writeField(record.value, to: base + at)
        at += ZigZag.write(Int32(record.headers.count), to: base + at)
        for header in record.headers {
            var key = header.key
            at += key.withUTF8 { utf8 in
                let lengthSize = ZigZag.write(Int32(utf8.count), to: base + at)
                if utf8.count > 0 { (base + at + lengthSize).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count) }
                return lengthSize + utf8.count
            }
            at += writeField(header.value, to: base + at)
        }
        return at
    }

    @inline(__always) static func writeField(_ bytes: ByteBuffer?, to pointer: UnsafeMutableRawPointer) -> Int {
        guard let bytes else { return ZigZag.write(Int32(-1), to: pointer) }
        return bytes.withUnsafeReadableBytes { source in
            let lengthSize = ZigZag.write(Int32(source.count), to: pointer)
            if source.count > 0 { (pointer + lengthSize).copyMemory(from: source.baseAddress!, byteCount: source.count) }
            return lengthSize + source.count
        }
    }
}
