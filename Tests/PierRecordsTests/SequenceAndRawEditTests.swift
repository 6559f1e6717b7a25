import NIOCore
import Testing
@testable import PierRecords

@Suite struct RecordBatchSequenceTests {
    static func threeBatches() throws -> (ByteBuffer, [RecordBatch]) {
        let batches = [
            RecordBatch.make(baseOffset: 0, records: sampleRecords(count: 3)),
            RecordBatch.make(baseOffset: 3, records: sampleRecords(count: 10), compression: .zstd),
            RecordBatch.make(baseOffset: 13, records: sampleRecords(count: 1), compression: .gzip),
        ]
        var wire = ByteBuffer()
        for batch in batches { try batch.encode(into: &wire) }
        return (wire, batches)
    }

    @Test func iteratesConcatenatedBatches() throws {
        let (wire, batches) = try Self.threeBatches()
        let raw = try RecordBatchSequence(wire).rawBatches()
        #expect(raw.map(\.header.baseOffset) == [0, 3, 13])
        #expect(raw.map(\.bytes.readableBytes).reduce(0, +) == wire.readableBytes)
        for batch in raw { try batch.verifyCRC() }
        let decoded = try RecordBatchSequence(wire).decodeAll()
        #expect(decoded.map(\.records) == batches.map(\.records))
        #expect(decoded.map(\.header.nextOffset) == [3, 13, 14])
        #expect(try RecordBatchSequence(ByteBuffer()).rawBatches().isEmpty)
    }

    @Test func truncatedFinalBatchIsToleratedOnlyWhenAsked() throws {
        let (wire, _) = try Self.threeBatches()
        let lastStart = try RecordBatchSequence(wire).rawBatches()[0...1].map(\.header.totalSize).reduce(0, +)
        for cut in [lastStart + 1, lastStart + 16, lastStart + 17, lastStart + 60, lastStart + 61, wire.readableBytes - 1] {
            let partial = wire.getSlice(at: 0, length: cut)!
            var iterator = RecordBatchSequence(partial, allowsTruncatedFinalBatch: true).makeIterator()
            var seen: [Int64] = []
            while let batch = try iterator.nextDecoded() { seen.append(batch.header.baseOffset) }
            #expect(seen == [0, 3], "cut at \(cut)")
            #expect(iterator.truncatedTailBytes == cut - lastStart)
            #expect(throws: RecordBatchError.truncated, "cut at \(cut)") { try RecordBatchSequence(partial).rawBatches() }
        }
    }

    @Test func damageInTheMiddleIsNotMistakenForATruncatedTail() throws {
        var (wire, _) = try Self.threeBatches()
        let secondStart = try RecordBatchSequence(wire).rawBatches()[0].header.totalSize
        wire.setInteger(Int8(1), at: secondStart + 16)
        #expect(throws: RecordBatchError.unsupportedMagic(1)) {
            try RecordBatchSequence(wire, allowsTruncatedFinalBatch: true).rawBatches()
        }
        var negative = try Self.threeBatches().0
        negative.setInteger(Int32(-5), at: secondStart + 8)
        #expect((try? RecordBatchSequence(negative, allowsTruncatedFinalBatch: true).rawBatches()) == nil)
    }
}

@Suite struct RawEditTests {
    @Test func rewriteBaseOffsetAndEpochKeepTheCRCValid() throws {
        let batch = RecordBatch.make(baseOffset: 0, records: sampleRecords(count: 5), compression: .lz4)
        var wire = ByteBuffer()
        wire.writeString("prefix")  // the batch need not start at index 0
        let start = wire.writerIndex
        try batch.encode(into: &wire)
        let crcBefore = wire.getInteger(at: start + 17, as: UInt32.self)
        try RecordBatch.rewriteBaseOffset(123_456_789_000, in: &wire, at: start)
        try RecordBatch.rewritePartitionLeaderEpoch(42, in: &wire, at: start)
        #expect(wire.getInteger(at: start + 17, as: UInt32.self) == crcBefore)
        wire.moveReaderIndex(to: start)
        let decoded = try decode(wire)
        #expect(decoded.header.baseOffset == 123_456_789_000)
        #expect(decoded.header.partitionLeaderEpoch == 42)
        #expect(decoded.offset(of: decoded.records[4]) == 123_456_789_004)
        #expect(decoded.records == batch.records)
    }

    @Test func rewriteLogAppendTimeRecomputesTheCRC() throws {
        let batch = RecordBatch.make(records: sampleRecords(count: 5), isTransactional: true)
        var raw = try RawRecordBatch(batch.encoded())
        try raw.rewriteLogAppendTime(1_999_999_999_999)
        try raw.verifyCRC()
        #expect(raw.header.attributes.timestampType == .logAppendTime)
        #expect(raw.header.attributes.isTransactional)
        let decoded = try raw.decode()
        #expect(decoded.header.maxTimestamp == 1_999_999_999_999)
        #expect(decoded.header.baseTimestamp == batch.header.baseTimestamp)
        #expect(decoded.records.allSatisfy { decoded.timestamp(of: $0) == 1_999_999_999_999 })
        try raw.rewriteBaseOffset(77)
        #expect(raw.header.baseOffset == 77)
        #expect(try raw.decode().header.baseOffset == 77)
    }

    @Test func editsRefuseLegacyAndPartialBatches() throws {
        var wire = try RecordBatch.make(records: sampleRecords(count: 2)).encoded()
        var partial = wire.getSlice(at: 0, length: wire.readableBytes - 1)!
        #expect(throws: RecordBatchError.truncated) { try RecordBatch.rewriteLogAppendTime(1, in: &partial) }
        try RecordBatch.rewriteBaseOffset(5, in: &partial)  // header-only edit works on a partial batch
        wire.setInteger(Int8(1), at: 16)
        #expect(throws: RecordBatchError.unsupportedMagic(1)) { try RecordBatch.rewriteBaseOffset(5, in: &wire) }
        #expect(throws: RecordBatchError.unsupportedMagic(1)) { try RecordBatch.rewritePartitionLeaderEpoch(5, in: &wire) }
        #expect(throws: RecordBatchError.unsupportedMagic(1)) { try RecordBatch.rewriteLogAppendTime(5, in: &wire) }
    }
}

@Suite struct RawEditBitPreservationTests {
    @Test func logAppendTimeKeepsUnknownAttributeBits() throws {
        var wire = try RecordBatch.make(records: sampleRecords(count: 2), compression: .snappy).encoded()
        // Bit 9 means nothing to Kafka today; a broker must not strip it while stamping the time.
        wire.setInteger(Int16(0x0202), at: 21)
        RecordBatchTestEditing.fixCRC(&wire)
        try RecordBatch.rewriteLogAppendTime(123, in: &wire)
        #expect(wire.getInteger(at: 21, as: Int16.self) == 0x020A)
        let decoded = try decode(wire)
        #expect(decoded.header.attributes.timestampType == .logAppendTime)
        #expect(decoded.header.attributes.compression == .snappy)
    }
}

@Suite struct FuzzTests {
    /// Random damage behind a valid CRC must end in a value or a typed error, never a crash or hang.
    @Test(arguments: CompressionCodec.allCases)
    func mutatedBatchesNeverCrash(codec: CompressionCodec) throws {
        var generator = SeededGenerator(seed: 0xF022 &+ UInt64(codec.rawValue))
        let original = try RecordBatch.make(records: sampleRecords(count: 12), compression: codec).encoded()
        var outcomes = (decoded: 0, rejected: 0)
        for _ in 0..<1500 {
            var wire = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: RecordBatchHeader.size..<wire.readableBytes, using: &generator)
                wire.setInteger(UInt8.random(in: 0...255, using: &generator), at: position)
            }
            if Bool.random(using: &generator) {
                // Sometimes also lie about the record count.
                wire.setInteger(Int32.random(in: -2...20, using: &generator), at: 57)
            }
            RecordBatchTestEditing.fixCRC(&wire)
            do {
                let batch = try decode(wire, limits: DecodingLimits(maxDecompressedBytes: 64 * 1024))
                #expect(batch.records.count == Int(batch.header.recordCount))
                outcomes.decoded += 1
            } catch {
                outcomes.rejected += 1
            }
        }
        #expect(outcomes.rejected > 0)
    }
}

@Suite struct SequenceAttributeDamageTests {
    @Test func damagedCodecBitsInASequenceAreCorruptMessage() throws {
        var wire = try RecordBatch.make(records: sampleRecords(count: 2)).encoded()
        wire.setInteger(Int16(7), at: 21)
        #expect((try? RecordBatchSequence(wire).rawBatches()) == nil)
        do {
            _ = try RecordBatchSequence(wire).rawBatches()
        } catch {
            #expect(error.isCorruptMessage)
        }
        RecordBatchTestEditing.fixCRC(&wire)
        #expect(throws: RecordBatchError.unsupportedCompression(7)) { try RecordBatchSequence(wire).rawBatches() }
    }
}
