import NIOCore
@testable import PierBroker
import PierProtocol
import PierRecords
import Testing

@Suite struct ProducedBatchTests {
    static func batch(_ count: Int = 3, compression: CompressionCodec = .none, producerId: Int64 = -1, baseSequence: Int32 = -1) throws -> ByteBuffer {
        let records = (0..<count).map { NewRecord(key: "k\($0)", value: "value \($0)", timestamp: 1_700_000_000_000 + Int64($0)) }
        return try RecordBatch.make(records: records, compression: compression, producerId: producerId, producerEpoch: producerId >= 0 ? 0 : -1,
                                    baseSequence: baseSequence).encoded()
    }

    func rejection(_ records: ByteBuffer?, version: Int16 = 9, maxMessageBytes: Int = 1_048_588) -> ProduceRejection? {
        do {
            _ = try ProducedBatch.parse(records, requestVersion: version, maxMessageBytes: maxMessageBytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsOneBatchAndKeepsItsBytes() throws {
        let bytes = try Self.batch(5, compression: .gzip)
        let parsed = try ProducedBatch.parse(bytes, requestVersion: 9, maxMessageBytes: 1_048_588)
        #expect(parsed.raw == bytes)
        #expect(parsed.decoded.records.count == 5)
    }

    @Test func acceptsBatchesWithAProducerId() throws {
        #expect(rejection(try Self.batch(producerId: 42, baseSequence: 0)) == nil)
    }

    @Test func missingOrSeveralBatchesAreInvalidRecords() throws {
        #expect(rejection(nil)?.errorCode == .invalidRecord)
        #expect(rejection(ByteBuffer())?.errorCode == .invalidRecord)
        var two = try Self.batch()
        var second = try Self.batch()
        two.writeBuffer(&second)
        #expect(rejection(two)?.errorCode == .invalidRecord)
    }

    @Test func sizeAboveMaxMessageBytesIsMessageTooLarge() throws {
        let bytes = try Self.batch(50)
        #expect(rejection(bytes, maxMessageBytes: bytes.readableBytes)?.errorCode == nil)
        #expect(rejection(bytes, maxMessageBytes: bytes.readableBytes - 1)?.errorCode == .messageTooLarge)
    }

    @Test func damagedBytesAreCorrupt() throws {
        var flipped = try Self.batch()
        let last = flipped.writerIndex - 1
        flipped.setInteger(flipped.getInteger(at: last, as: UInt8.self)! ^ 0xFF, at: last)
        #expect(rejection(flipped)?.errorCode == .corruptMessage)
        let truncated = try Self.batch().getSlice(at: 0, length: 70)!
        #expect(rejection(truncated)?.errorCode == .corruptMessage)
    }

    @Test func legacyMagicIsAnInvalidRecord() throws {
        var legacy = try Self.batch()
        legacy.setInteger(Int8(1), at: RecordBatchHeader.Offset.magic)
        #expect(rejection(legacy)?.errorCode == .invalidRecord)
    }

    @Test func zstdNeedsVersionSeven() throws {
        let zstd = try Self.batch(compression: .zstd)
        #expect(rejection(zstd, version: 6)?.errorCode == .unsupportedCompressionType)
        #expect(rejection(zstd, version: 7) == nil)
    }

    @Test func producerIdWithoutSequenceIsAnInvalidRecord() throws {
        #expect(rejection(try Self.batch(producerId: 42, baseSequence: -1))?.errorCode == .invalidRecord)
    }
}
