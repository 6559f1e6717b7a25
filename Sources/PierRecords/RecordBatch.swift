import NIOCore

/// A decoded Kafka RecordBatch v2: header plus its records (decompressed).
public struct RecordBatch: Sendable, Equatable {
    public var header: RecordBatchHeader
    public var records: [Record]

    public init(header: RecordBatchHeader, records: [Record]) {
        self.header = header
        self.records = records
    }

    /// Smallest encoding of a record: length, attributes, timestampDelta, offsetDelta, key length,
    /// value length and header count, one byte each. A record count the bytes cannot hold is
    /// rejected before the records array is allocated.
    static let minimumRecordSize = 7

    /// Decodes one batch from the reader index and moves the reader index past it (only on success).
    ///
    /// Checks, in order: magic (v0/v1 refused), batchLength sanity and limit, presence of all bytes,
    /// CRC-32C, attributes, record count, then decompresses (bounded) and parses every record.
    public init(decoding buffer: inout ByteBuffer, limits: DecodingLimits = .default) throws(RecordBatchError) {
        let header: RecordBatchHeader
        do {
            header = try RecordBatchHeader(parsing: buffer)
        } catch .unsupportedCompression(let codec) {
            // A damaged attributes byte should read as damage, not as an exotic codec: the CRC decides.
            throw RecordBatch.crcMismatchOrUnsupportedCompression(buffer, codec: codec)
        }
        guard Int(header.batchLength) <= limits.maxBatchBytes else {
            throw .corruptMessage("batch length \(header.batchLength) exceeds the limit of \(limits.maxBatchBytes) bytes")
        }
        guard buffer.readableBytes >= header.totalSize else { throw .truncated }
        let batchBytes = buffer.getSlice(at: buffer.readerIndex, length: header.totalSize)!
        try self.init(verifiedHeader: header, batchBytes: batchBytes, limits: limits)
        buffer.moveReaderIndex(forwardBy: header.totalSize)
    }

    /// `batchBytes` is exactly one whole batch whose header is `header`.
    init(verifiedHeader header: RecordBatchHeader, batchBytes: ByteBuffer, limits: DecodingLimits) throws(RecordBatchError) {
        try RecordBatch.verifyCRC(header: header, batchBytes: batchBytes)
        guard header.recordCount >= 0 else { throw .invalidRecord("negative record count \(header.recordCount)") }
        let recordsBytes = batchBytes.getSlice(at: batchBytes.readerIndex + RecordBatchHeader.size,
                                               length: header.totalSize - RecordBatchHeader.size)!
        let plain: ByteBuffer
        if header.attributes.compression == .none {
            plain = recordsBytes
        } else {
            plain = try RecordsCompression.decompress(recordsBytes, codec: header.attributes.compression,
                                               limit: limits.maxDecompressedBytes)
        }
        self.header = header
        self.records = try RecordBatch.parseRecords(plain, count: Int(header.recordCount))
    }

    static func crcMismatchOrUnsupportedCompression(_ buffer: ByteBuffer, codec: Int8) -> RecordBatchError {
        let start = buffer.readerIndex
        guard let storedCRC = buffer.getInteger(at: start + RecordBatchHeader.Offset.crc, as: UInt32.self),
              let batchLength = buffer.getInteger(at: start + RecordBatchHeader.Offset.batchLength, as: Int32.self),
              let covered = buffer.getSlice(at: start + RecordBatchHeader.Offset.attributes,
                                            length: Int(batchLength) + RecordBatchHeader.logOverhead - RecordBatchHeader.Offset.attributes)
        else { return .truncated }
        let computed = CRC32C.checksum(covered)
        guard computed == storedCRC else {
            return .corruptMessage("CRC-32C mismatch: batch says \(hex(storedCRC)), bytes give \(hex(computed))")
        }
        return .unsupportedCompression(codec)
    }

    static func verifyCRC(header: RecordBatchHeader, batchBytes: ByteBuffer) throws(RecordBatchError) {
        let computed = batchBytes.withUnsafeReadableBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.Offset.attributes...]))
        }
        guard computed == header.crc else {
            throw .corruptMessage("CRC-32C mismatch: batch says \(hex(header.crc)), bytes give \(hex(computed))")
        }
    }

    /// Parses exactly `count` records that must fill `plain` exactly.
    static func parseRecords(_ plain: ByteBuffer, count: Int) throws(RecordBatchError) -> [Record] {
        // Every record takes at least `minimumRecordSize` bytes, so a larger count is a lie we can
        // reject before allocating for it.
        guard count <= plain.readableBytes / minimumRecordSize else {
            throw .invalidRecord("batch declares \(count) records but holds only \(plain.readableBytes) bytes of records")
        }
        var failure: RecordBatchError?
        let records = plain.withUnsafeReadableBytes { bytes in
            // Records are constructed in place in the array's storage: no per-record copy.
            [Record](unsafeUninitializedCapacity: count) { storage, initializedCount in
                var cursor = RecordCursor(bytes: bytes, position: 0, end: bytes.count)
                let sliceBase = plain.readerIndex
                do throws(RecordBatchError) {
                    for index in 0..<count {
                        guard cursor.position < bytes.count else {
                            throw .invalidRecord("batch declares \(count) records but its data ends after \(index)")
                        }
                        (storage.baseAddress! + index).initialize(to: try parseRecord(&cursor, plain: plain, sliceBase: sliceBase))
                        initializedCount = index + 1
                    }
                    guard cursor.position == bytes.count else {
                        throw .invalidRecord("\(bytes.count - cursor.position) bytes left after the \(count) declared records")
                    }
                } catch {
                    failure = error
                }
            }
        }
        if let failure { throw failure }
        return records
    }

    @inline(__always)
    static func parseRecord(_ cursor: inout RecordCursor, plain: ByteBuffer, sliceBase: Int) throws(RecordBatchError) -> Record {
        let start = cursor.position
        let (recordEnd, attributes, timestampDelta, offsetDelta) = try cursor.readRecordStart()
        let key = try readBytes(&cursor, plain: plain, sliceBase: sliceBase)
        let value = try readBytes(&cursor, plain: plain, sliceBase: sliceBase)
        let headerCount = try cursor.readVarint()
        var headers: [RecordHeader] = []
        if headerCount != 0 {
            // Each header needs at least 2 bytes (key length + value length).
            guard headerCount > 0, Int(headerCount) <= (recordEnd - cursor.position) / 2 else {
                throw .invalidRecord("record at byte \(start) declares \(headerCount) headers")
            }
            headers.reserveCapacity(Int(headerCount))
            for _ in 0..<headerCount {
                let keyLength = try cursor.readVarint()
                guard keyLength >= 0, Int(keyLength) <= cursor.end - cursor.position else {
                    throw .invalidRecord("header key length \(keyLength) in record at byte \(start)")
                }
                let keyBytes = UnsafeRawBufferPointer(rebasing: cursor.bytes[cursor.position..<(cursor.position + Int(keyLength))])
                // Strict: a key that is not UTF-8 could not be re-encoded byte for byte from a String.
                guard let headerKey = String(validating: keyBytes, as: UTF8.self) else {
                    throw .invalidRecord("header key in record at byte \(start) is not valid UTF-8")
                }
                cursor.position += Int(keyLength)
                let headerValue = try readBytes(&cursor, plain: plain, sliceBase: sliceBase)
                headers.append(RecordHeader(key: headerKey, value: headerValue))
            }
        }
        guard cursor.position == recordEnd else {
            throw .invalidRecord("record at byte \(start) declares that it ends at byte \(recordEnd) but its fields end at \(cursor.position)")
        }
        return Record(attributes: attributes, timestampDelta: timestampDelta, offsetDelta: offsetDelta,
                      key: key, value: value, headers: headers)
    }

    /// A length-prefixed byte field (-1 = null) as a slice of `plain`, never crossing the record's end.
    @inline(__always)
    static func readBytes(_ cursor: inout RecordCursor, plain: ByteBuffer, sliceBase: Int) throws(RecordBatchError) -> ByteBuffer? {
        try cursor.readByteField().map { plain.getSlice(at: sliceBase + $0.lowerBound, length: $0.count)! }
    }
}

@inline(never) func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
