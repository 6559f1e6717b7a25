import NIOCore
import Testing
@testable import PierRecords

@Suite struct CompressionTests {
    static let compressedCodecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

    static func compressiblePayload(_ size: Int) -> ByteBuffer {
        var generator = SeededGenerator(seed: UInt64(size))
        let words = ["kafka", "pier", "swift", "record", "batch", "offset", "\u{0}", "🦀"]
        var buffer = ByteBuffer()
        while buffer.readableBytes < size { buffer.writeString(words.randomElement(using: &generator)!) }
        return buffer.getSlice(at: 0, length: size)!
    }

    @Test(arguments: CompressionCodec.allCases)
    func batchRoundTripWithEveryCodec(codec: CompressionCodec) throws {
        let batch = RecordBatch.make(baseOffset: 1000, records: sampleRecords(count: 200), compression: codec,
                                     producerId: 4, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        var wire = try encode(batch)
        #expect(wire.getInteger(at: 21, as: Int16.self)! & 7 == Int16(codec.rawValue))
        let decoded = try RecordBatch(decoding: &wire)
        #expect(decoded.records == batch.records)
        #expect(decoded.header.attributes.compression == codec)
        #expect(decoded.header.attributes.isTransactional)
        #expect(decoded.header.recordCount == 200)
    }

    @Test(arguments: compressedCodecs)
    func compressionShrinksRepetitiveRecords(codec: CompressionCodec) throws {
        let records = (0..<500).map { NewRecord(key: "k", value: String(repeating: "same value ", count: 20), timestamp: Int64($0)) }
        let plain = try encode(RecordBatch.make(records: records))
        let compressed = try encode(RecordBatch.make(records: records, compression: codec))
        #expect(compressed.readableBytes * 5 < plain.readableBytes, "\(codec): \(compressed.readableBytes) vs \(plain.readableBytes)")
    }

    @Test(arguments: compressedCodecs)
    func payloadRoundTripsAcrossSizes(codec: CompressionCodec) throws {
        // Sizes straddling snappy's 32 KiB xerial blocks and lz4's 64 KiB frame blocks.
        for size in [0, 1, 100, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 65_536, 200_001] {
            let payload = Self.compressiblePayload(size)
            let compressed = try RecordsCompression.compress(payload, codec: codec)
            let restored = try RecordsCompression.decompress(compressed, codec: codec, limit: size)
            #expect(restored == payload, "\(codec) size \(size)")
        }
    }

    @Test(arguments: compressedCodecs)
    func decompressionStopsAtTheLimit(codec: CompressionCodec) throws {
        // A 4 MiB run of zeros compresses to a few KiB: a miniature compression bomb.
        let bomb = ByteBuffer(repeating: 0, count: 4 * 1024 * 1024)
        let compressed = try RecordsCompression.compress(bomb, codec: codec)
        #expect(compressed.readableBytes < 256 * 1024)
        #expect(throws: RecordBatchError.decompressedTooLarge(limit: 1024 * 1024)) {
            try RecordsCompression.decompress(compressed, codec: codec, limit: 1024 * 1024)
        }
        #expect(throws: RecordBatchError.decompressedTooLarge(limit: bomb.readableBytes - 1)) {
            try RecordsCompression.decompress(compressed, codec: codec, limit: bomb.readableBytes - 1)
        }
        #expect(try RecordsCompression.decompress(compressed, codec: codec, limit: bomb.readableBytes) == bomb)
    }

    @Test(arguments: compressedCodecs)
    func batchDecodingAppliesTheLimit(codec: CompressionCodec) throws {
        let records = [NewRecord(key: nil, value: ByteBuffer(repeating: 7, count: 3 * 1024 * 1024), timestamp: 1)]
        let wire = try encode(RecordBatch.make(records: records, compression: codec))
        #expect(decodeError(wire, limits: DecodingLimits(maxDecompressedBytes: 1024 * 1024)) == .decompressedTooLarge(limit: 1024 * 1024))
        #expect(decodeError(wire) == nil)
    }

    @Test func snappyRawBlockClaimingHugeSizeIsRefusedBeforeAllocating() throws {
        // Raw snappy starts with the uncompressed length as a varint: claim 3 GiB in 5 bytes.
        var hostile = ByteBuffer(bytes: [0x80, 0x80, 0x80, 0x80, 0x0C])
        hostile.writeBytes([0x00, 0x61])
        #expect(throws: RecordBatchError.decompressedTooLarge(limit: DecodingLimits.defaultMaxDecompressedBytes)) {
            try RecordsCompression.decompress(hostile, codec: .snappy, limit: DecodingLimits.defaultMaxDecompressedBytes)
        }
    }

    @Test func snappyAcceptsRawBlocksAsLibrdkafkaSends() throws {
        let payload = Self.compressiblePayload(50_000)
        var raw = ByteBuffer()
        try Snappy.compressRaw(payload, into: &raw)
        #expect(!raw.readableBytesView.starts(with: Snappy.xerialMagic))
        #expect(try RecordsCompression.decompress(raw, codec: .snappy, limit: 1 << 20) == payload)

        let xerial = try RecordsCompression.compress(payload, codec: .snappy)
        #expect(xerial.readableBytesView.starts(with: Snappy.xerialMagic))
        #expect(xerial.getInteger(at: 8, as: Int32.self) == 1)
        #expect(xerial.getInteger(at: 12, as: Int32.self) == 1)
        // Two blocks: 32 KiB + the rest; the first block length sits right after the header.
        let firstBlock = Int(xerial.getInteger(at: 16, as: Int32.self)!)
        let secondBlockLength = Int(xerial.getInteger(at: 20 + firstBlock, as: Int32.self)!)
        #expect(20 + firstBlock + 4 + secondBlockLength == xerial.readableBytes)
    }

    @Test func gzipConcatenatedMembersAreOneStream() throws {
        var joined = try RecordsCompression.compress(bytes("first half, "), codec: .gzip)
        joined.writeImmutableBuffer(try RecordsCompression.compress(bytes("second half"), codec: .gzip))
        #expect(try RecordsCompression.decompress(joined, codec: .gzip, limit: 100) == bytes("first half, second half"))
        #expect(joined.getInteger(at: 0, as: UInt16.self) == 0x1F8B, "gzip magic")
    }

    @Test(arguments: compressedCodecs)
    func damagedAndTruncatedStreamsAreCorruptMessages(codec: CompressionCodec) throws {
        let payload = Self.compressiblePayload(70_000)
        let compressed = try RecordsCompression.compress(payload, codec: codec)
        for cut in [0, 1, 5, compressed.readableBytes / 2, compressed.readableBytes - 1] {
            let prefix = compressed.getSlice(at: 0, length: cut)!
            #expect(throws: RecordBatchError.self, "\(codec) cut at \(cut)") {
                try RecordsCompression.decompress(prefix, codec: codec, limit: 1 << 20)
            }
            do {
                _ = try RecordsCompression.decompress(prefix, codec: codec, limit: 1 << 20)
            } catch {
                #expect(error.isCorruptMessage, "\(codec) cut at \(cut): \(error)")
            }
        }
        // Overwrite the middle with garbage.
        var garbled = compressed
        let middle = garbled.readableBytes / 2
        for index in middle..<(middle + 64) { garbled.setInteger(UInt8(truncatingIfNeeded: index &* 131), at: index) }
        let outcome = Result { () throws(RecordBatchError) -> ByteBuffer in try RecordsCompression.decompress(garbled, codec: codec, limit: 1 << 20) }
        switch outcome {
        case .success(let restored): #expect(restored != payload, "\(codec) garbage went unnoticed")
        case .failure(let error): #expect(error.isCorruptMessage, "\(codec): \(error)")
        }
    }

    @Test(arguments: compressedCodecs)
    func compressedBatchWithWrongRecordCountIsInvalidRecord(codec: CompressionCodec) throws {
        var batch = RecordBatch.make(records: sampleRecords(count: 10), compression: codec)
        batch.records.removeLast()  // encode writes 9 records; the header then claims what we patch in
        var wire = try encode(batch)
        wire.setInteger(Int32(10), at: 57)
        RecordBatchTestEditing.fixCRC(&wire)
        #expect(decodeError(wire)?.isInvalidRecord == true)
    }
}

enum RecordBatchTestEditing {
    /// Recomputes the CRC after a test deliberately edits CRC-covered bytes.
    static func fixCRC(_ wire: inout ByteBuffer, at start: Int = 0) {
        let length = Int(wire.getInteger(at: start + 8, as: Int32.self)!) + 12
        let crc = CRC32C.checksum(wire.getSlice(at: start + 21, length: length - 21)!)
        wire.setInteger(crc, at: start + 17)
    }
}
