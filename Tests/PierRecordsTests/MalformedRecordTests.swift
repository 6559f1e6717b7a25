import NIOCore
import Testing
@testable import PierRecords

/// Batches whose envelope (length, CRC) is intact but whose records are not.
@Suite struct MalformedRecordTests {
    /// Wraps hand-made record bytes in a valid header with correct length and CRC.
    static func batch(records body: ByteBuffer, count: Int32, compression: CompressionCodec = .none) throws -> ByteBuffer {
        var header = RecordBatchHeader(recordCount: count)
        header.lastOffsetDelta = count - 1
        header.attributes.compression = compression
        var wire = ByteBuffer()
        header.write(to: &wire)
        try RecordsCompression.compress(body, codec: compression, into: &wire)
        wire.setInteger(Int32(wire.readableBytes - 12), at: 8)
        RecordBatchTestEditing.fixCRC(&wire)
        return wire
    }

    /// One well-formed record: key "k", value "v", no headers.
    static func goodRecord() -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int8(0))  // attributes
        body.writeZigZagVarlong(0)  // timestampDelta
        body.writeZigZagVarint(0)  // offsetDelta
        body.writeZigZagVarint(1); body.writeString("k")
        body.writeZigZagVarint(1); body.writeString("v")
        body.writeZigZagVarint(0)  // headers
        var record = ByteBuffer()
        record.writeZigZagVarint(Int32(body.readableBytes))
        record.writeImmutableBuffer(body)
        return record
    }

    @Test func handMadeRecordDecodes() throws {
        let decoded = try decode((try Self.batch(records: Self.goodRecord(), count: 1)))
        #expect(decoded.records == [Record(timestampDelta: 0, offsetDelta: 0, key: bytes("k"), value: bytes("v"))])
    }

    @Test(arguments: CompressionCodec.allCases)
    func recordCountMismatchIsInvalidRecord(codec: CompressionCodec) throws {
        var two = Self.goodRecord()
        two.writeImmutableBuffer(Self.goodRecord())
        for claimed in [Int32(1), 3, 1000, Int32.max] {
            let error = decodeError(try Self.batch(records: two, count: claimed, compression: codec))
            #expect(error?.isInvalidRecord == true, "\(codec) claimed \(claimed): \(String(describing: error))")
        }
        #expect(decodeError(try Self.batch(records: two, count: -1, compression: codec))?.isInvalidRecord == true)
        #expect(decodeError(try Self.batch(records: two, count: 2, compression: codec)) == nil)
    }

    @Test func hugeRecordCountDoesNotReserveMemory() throws {
        // Int32.max records claimed over 9 bytes of data must fail quickly, not allocate 2^31 slots.
        let error = decodeError(try Self.batch(records: Self.goodRecord(), count: Int32.max))
        #expect(error?.isInvalidRecord == true)
    }

    @Test func recordLengthsNegativeTooLongOrTooShort() throws {
        let good = Self.goodRecord()
        let body = good.getSlice(at: 1, length: good.readableBytes - 1)!  // without its 1-byte length
        for declared in [Int32(-1), -100, Int32.min, Int32(body.readableBytes + 1), Int32.max, Int32(body.readableBytes - 1), 0] {
            var record = ByteBuffer()
            record.writeZigZagVarint(declared)
            record.writeImmutableBuffer(body)
            let error = decodeError(try Self.batch(records: record, count: 1))
            #expect(error?.isInvalidRecord == true, "declared length \(declared): \(String(describing: error))")
        }
    }

    @Test func badVarintsAreInvalidRecords() throws {
        // Five bytes with the continuation bit: longer than any int32 varint (padded past the
        // 7-byte minimum record size so the count check does not answer first).
        let tooLong = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00])
        #expect(decodeError(try Self.batch(records: tooLong, count: 1)) == .invalidRecord("malformed varint in record at byte 0"))
        // A varint cut off at the end of the data, and data too short for the declared count.
        #expect(decodeError(try Self.batch(records: ByteBuffer(bytes: [0x80]), count: 1))?.isInvalidRecord == true)
        #expect(decodeError(try Self.batch(records: ByteBuffer(bytes: [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), count: 1))?.isInvalidRecord == true)
        // An 11-byte varlong timestamp delta inside an otherwise sane record.
        var body = ByteBuffer()
        body.writeInteger(Int8(0))
        body.writeBytes([UInt8](repeating: 0xFF, count: 10) + [0x01])
        body.writeZigZagVarint(0); body.writeZigZagVarint(-1); body.writeZigZagVarint(-1); body.writeZigZagVarint(0)
        var record = ByteBuffer()
        record.writeZigZagVarint(Int32(body.readableBytes))
        record.writeImmutableBuffer(body)
        #expect(decodeError(try Self.batch(records: record, count: 1)) == .invalidRecord("malformed varint in record at byte 0"))
    }

    static func record(key keyLength: Int32, keyBytes: Int = 0, headerCount: Int32 = 0, headerBytes: [UInt8] = []) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(Int8(0))
        body.writeZigZagVarlong(0)
        body.writeZigZagVarint(0)
        body.writeZigZagVarint(keyLength)
        body.writeRepeatingByte(0x61, count: keyBytes)
        body.writeZigZagVarint(-1)
        body.writeZigZagVarint(headerCount)
        body.writeBytes(headerBytes)
        var record = ByteBuffer()
        record.writeZigZagVarint(Int32(body.readableBytes))
        record.writeImmutableBuffer(body)
        return record
    }

    @Test func badFieldLengths() throws {
        #expect(try decodeError(Self.batch(records: Self.record(key: -2), count: 1)) == .invalidRecord("negative length -2 for a byte field in record at byte 0"))
        // Key longer than the record, though the bytes exist in the next record.
        var spill = Self.record(key: 40, keyBytes: 1)
        spill.writeImmutableBuffer(Self.goodRecord())
        spill.writeImmutableBuffer(Self.goodRecord())
        #expect(try decodeError(Self.batch(records: spill, count: 3))?.isInvalidRecord == true)
        #expect(try decodeError(Self.batch(records: Self.record(key: 3, keyBytes: 3, headerCount: -1), count: 1))?.isInvalidRecord == true)
        #expect(try decodeError(Self.batch(records: Self.record(key: 3, keyBytes: 3, headerCount: 1_000_000), count: 1))?.isInvalidRecord == true)
        // Header key length negative; header key not UTF-8.
        let negativeHeaderKey: [UInt8] = [0x01, 0x01]  // zig-zag -1, then value length -1
        #expect(try decodeError(Self.batch(records: Self.record(key: -1, headerCount: 1, headerBytes: negativeHeaderKey), count: 1))?.isInvalidRecord == true)
        let invalidUTF8Key: [UInt8] = [0x04, 0xC3, 0x28, 0x01]  // length 2, bytes C3 28, value null
        #expect(try decodeError(Self.batch(records: Self.record(key: -1, headerCount: 1, headerBytes: invalidUTF8Key), count: 1))
            == .invalidRecord("header key in record at byte 0 is not valid UTF-8"))
        let validHeader: [UInt8] = [0x04, 0x68, 0x69, 0x02, 0x21]  // "hi" -> "!"
        let decoded = try decode((try Self.batch(records: Self.record(key: -1, headerCount: 1, headerBytes: validHeader), count: 1)))
        #expect(decoded.records[0].headers == [RecordHeader(key: "hi", value: bytes("!"))])
    }

    @Test func trailingBytesAfterLastRecord() throws {
        var records = Self.goodRecord()
        records.writeInteger(UInt8(0))
        #expect(try decodeError(Self.batch(records: records, count: 1)) == .invalidRecord("1 bytes left after the 1 declared records"))
    }

    @Test func unknownCodecInCRCValidBatchIsUnsupportedCompression() throws {
        var wire = try Self.batch(records: Self.goodRecord(), count: 1)
        wire.setInteger(Int16(6), at: 21)
        RecordBatchTestEditing.fixCRC(&wire)
        #expect(decodeError(wire) == .unsupportedCompression(6))
        #expect(RecordBatchError.unsupportedCompression(6).kafkaErrorCode == 76)
    }
}

@Suite struct ZigZagTests {
    @Test func knownEncodings() {
        let cases: [(Int64, [UInt8])] = [(0, [0]), (-1, [1]), (1, [2]), (-2, [3]), (63, [0x7E]), (-64, [0x7F]), (64, [0x80, 0x01]),
                                         (Int64(Int32.max), [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int64(Int32.min), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
                                         (Int64.min, [UInt8](repeating: 0xFF, count: 9) + [0x01])]
        for (value, encoding) in cases {
            var buffer = ByteBuffer()
            buffer.writeZigZagVarlong(value)
            #expect(Array(buffer.readableBytesView) == encoding, "\(value)")
            #expect(ZigZag.size(of: value) == encoding.count)
            if let small = Int32(exactly: value) {
                var small32 = ByteBuffer()
                small32.writeZigZagVarint(small)
                #expect(Array(small32.readableBytesView) == encoding)
                #expect(ZigZag.size(of: small) == encoding.count)
            }
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<5000 {
            let wide = Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator)
            let narrow = Int32(truncatingIfNeeded: wide)
            var buffer = ByteBuffer()
            buffer.writeZigZagVarlong(wide)
            buffer.writeZigZagVarint(narrow)
            let (readWide, readNarrow) = try buffer.withUnsafeReadableBytes { bytes in
                var cursor = RecordCursor(bytes: bytes, position: 0, end: bytes.count)
                return (try cursor.readVarlong(), try cursor.readVarint())
            }
            #expect(readWide == wide)
            #expect(readNarrow == narrow)
        }
    }
}
