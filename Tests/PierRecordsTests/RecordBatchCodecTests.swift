import NIOCore
import Testing
@testable import PierRecords

@Suite struct RecordBatchCodecTests {
    @Test func roundTripUncompressedKeepsEveryField() throws {
        let batch = RecordBatch.make(baseOffset: 42, records: sampleRecords(count: 25), partitionLeaderEpoch: 3,
                                     producerId: 1000, producerEpoch: 2, baseSequence: 17)
        var wire = try encode(batch)
        let totalBytes = wire.readableBytes
        let decoded = try RecordBatch(decoding: &wire)
        #expect(wire.readableBytes == 0)
        #expect(decoded.records == batch.records)
        #expect(decoded.header.baseOffset == 42)
        #expect(decoded.header.batchLength == Int32(totalBytes - 12))
        #expect(decoded.header.partitionLeaderEpoch == 3)
        #expect(decoded.header.producerId == 1000)
        #expect(decoded.header.producerEpoch == 2)
        #expect(decoded.header.baseSequence == 17)
        #expect(decoded.header.recordCount == 25)
        #expect(decoded.header.lastOffsetDelta == 24)
        #expect(decoded.header.baseTimestamp == 1_700_000_000_000)
        #expect(decoded.header.maxTimestamp == 1_700_000_000_000 + 24 * 7)
        // Record 2 was stamped before the base timestamp: negative delta survives zig-zag.
        #expect(decoded.timestamp(of: decoded.records[2]) == 1_700_000_000_000 + 14 - 50)
        #expect(decoded.offset(of: decoded.records[24]) == 42 + 24)
        #expect(decoded.records[0].key == nil)
        #expect(decoded.records[4].value == nil)
        #expect(decoded.records[0].headers == [RecordHeader(key: "trace", value: bytes("t0")), RecordHeader(key: "nullable", value: nil)])
    }

    @Test func headerParsingPeeksWithoutMovingReaderIndex() throws {
        let wire = try encode(RecordBatch.make(baseOffset: 7, records: sampleRecords(count: 3)))
        let header = try RecordBatchHeader(parsing: wire)
        #expect(wire.readerIndex == 0)
        #expect(header.baseOffset == 7)
        #expect(header.magic == 2)
        #expect(header.crc == CRC32C.checksum(wire.getSlice(at: 21, length: wire.readableBytes - 21)!))
        #expect(header.totalSize == wire.readableBytes)
    }

    @Test func emptyRecordsAndBinaryPayloadsRoundTrip() throws {
        let binary = ByteBuffer(bytes: (0...255).map { UInt8($0) })
        let batch = RecordBatch.make(records: [
            NewRecord(key: ByteBuffer(), value: ByteBuffer(), headers: [RecordHeader(key: "", value: ByteBuffer())], timestamp: 0),
            NewRecord(key: binary, value: nil, headers: [RecordHeader(key: "ключ-🔑", value: binary)], timestamp: -1),
        ])
        var wire = try encode(batch)
        let decoded = try RecordBatch(decoding: &wire)
        #expect(decoded.records == batch.records)
        #expect(decoded.records[0].key == ByteBuffer())
        #expect(decoded.records[0].key != nil)
    }

    @Test func emptyBatchDecodesButIsRejectedForClientAppend() throws {
        let batch = RecordBatch.make(records: [])
        var wire = try encode(batch)
        let decoded = try RecordBatch(decoding: &wire)
        #expect(decoded.records.isEmpty)
        #expect(decoded.header.lastOffsetDelta == -1)
        #expect(throws: RecordBatchError.invalidRecord("batch has 0 records; a produced batch needs at least one")) {
            try decoded.header.validateForClientAppend()
        }
    }

    @Test func clientAppendRules() throws {
        var header = RecordBatch.make(records: sampleRecords(count: 3)).header
        try header.validateForClientAppend()
        header.lastOffsetDelta = 5
        #expect(throws: RecordBatchError.self) { try header.validateForClientAppend() }
        header.lastOffsetDelta = 2
        header.attributes.isControl = true
        #expect(throws: RecordBatchError.invalidRecord("clients may not write control batches")) { try header.validateForClientAppend() }
        header.attributes.isControl = false
        header.producerId = 5
        header.baseSequence = -1
        #expect(throws: RecordBatchError.self) { try header.validateForClientAppend() }
        header.baseSequence = 0
        try header.validateForClientAppend()
    }

    @Test func attributeBitsRoundTrip() throws {
        for raw in Int16(0)...Int16(0x7F) {
            let codecBits = raw & 7
            if codecBits > 4 {
                #expect(throws: RecordBatchError.unsupportedCompression(Int8(codecBits))) { try RecordBatchAttributes(rawValue: raw) }
                continue
            }
            let attributes = try RecordBatchAttributes(rawValue: raw)
            #expect(attributes.rawValue == raw)
            #expect(attributes.compression.rawValue == Int8(codecBits))
            #expect(attributes.timestampType == (raw & 8 != 0 ? .logAppendTime : .createTime))
            #expect(attributes.isTransactional == (raw & 16 != 0))
            #expect(attributes.isControl == (raw & 32 != 0))
            #expect(attributes.hasDeleteHorizon == (raw & 64 != 0))
        }
    }

    @Test func controlAndTransactionalBitsSurviveEncoding() throws {
        let batch = RecordBatch.make(baseOffset: 9, records: [NewRecord(key: ByteBuffer(bytes: [0, 0, 0, 1]), value: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0]), timestamp: 5)],
                                     producerId: 77, producerEpoch: 1, baseSequence: -1, isTransactional: true, isControl: true)
        var wire = try encode(batch)
        #expect(wire.getInteger(at: 21, as: Int16.self) == 0b11_0000)
        let decoded = try RecordBatch(decoding: &wire)
        #expect(decoded.header.attributes.isTransactional)
        #expect(decoded.header.attributes.isControl)
        #expect(decoded.header.attributes.timestampType == .createTime)
    }

    @Test func crcMismatchIsCorruptMessage() throws {
        let wire = try encode(RecordBatch.make(records: sampleRecords(count: 4)))
        // Flip one bit in every CRC-covered byte position in turn.
        for position in 21..<wire.readableBytes {
            for bit in [UInt8(0x01), 0x04, 0x10, 0x80] {
                var damaged = wire
                damaged.setInteger(damaged.getInteger(at: position, as: UInt8.self)! ^ bit, at: position)
                let error = decodeError(damaged)
                #expect(error?.isCorruptMessage == true, "flip of \(bit) at \(position) gave \(String(describing: error))")
            }
        }
        var badCRC = wire
        badCRC.setInteger(badCRC.getInteger(at: 17, as: UInt32.self)! &+ 1, at: 17)
        #expect(decodeError(badCRC)?.isCorruptMessage == true)
    }

    @Test func everyTruncationPrefixIsATypedError() throws {
        let wire = try encode(RecordBatch.make(records: sampleRecords(count: 6)))
        for length in 0..<wire.readableBytes {
            let prefix = wire.getSlice(at: 0, length: length)!
            let error = decodeError(prefix)
            #expect(error == .truncated, "prefix of \(length) bytes gave \(String(describing: error))")
        }
    }

    @Test func legacyMagicIsRefused() throws {
        for magic in [Int8(0), 1, 3, -1] {
            var wire = try encode(RecordBatch.make(records: sampleRecords(count: 2)))
            wire.setInteger(magic, at: 16)
            #expect(decodeError(wire) == .unsupportedMagic(magic))
            #expect(throws: RecordBatchError.unsupportedMagic(magic)) { try RecordBatchHeader(parsing: wire) }
        }
        // A real v0 message set (offset, size, crc, magic 0, attributes, key -1, value "a") is only 17+ bytes.
        var legacy = ByteBuffer()
        legacy.writeInteger(Int64(0)); legacy.writeInteger(Int32(15)); legacy.writeInteger(UInt32(0))
        legacy.writeInteger(Int8(0)); legacy.writeInteger(Int8(0)); legacy.writeInteger(Int32(-1))
        legacy.writeInteger(Int32(1)); legacy.writeString("a")
        #expect(decodeError(legacy) == .unsupportedMagic(0))
    }

    @Test func negativeAndHugeBatchLengths() throws {
        let wire = try encode(RecordBatch.make(records: sampleRecords(count: 2)))
        for length in [Int32(-1), Int32.min, 0, 48] {
            var damaged = wire
            damaged.setInteger(length, at: 8)
            #expect(decodeError(damaged)?.isCorruptMessage == true, "batchLength \(length)")
        }
        var huge = wire
        huge.setInteger(Int32.max, at: 8)
        #expect(decodeError(huge)?.isCorruptMessage == true)
        #expect(decodeError(huge, limits: DecodingLimits(maxBatchBytes: Int(Int32.max))) == .truncated)
    }
}
