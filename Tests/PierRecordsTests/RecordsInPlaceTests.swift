import NIOCore
import PierRecords
import Testing

/// `RecordsInPlace` reads the same fields as the decoder, from the batch's own bytes.
@Suite struct RecordsInPlaceTests {
    static func walk(_ raw: ByteBuffer) throws -> [(timestampDelta: Int64, offsetDelta: Int32, key: [UInt8]?, value: [UInt8]?, hasHeaders: Bool)] {
        try raw.withUnsafeReadableBytes { bytes in
            var inPlace = RecordsInPlace(records: UnsafeRawBufferPointer(rebasing: bytes[RecordBatchHeader.size...]))
            var all: [(Int64, Int32, [UInt8]?, [UInt8]?, Bool)] = []
            while let record = try inPlace.next() {
                all.append((record.timestampDelta, record.offsetDelta, record.key.map(Array.init), record.value.map(Array.init), record.hasHeaders))
            }
            return all
        }
    }

    @Test func fieldsMatchTheDecodedRecords() throws {
        let batch = RecordBatch.make(records: [
            NewRecord(key: "k", value: "v", headers: [("h", "1"), ("null", nil)], timestamp: 1_000),
            NewRecord(key: ByteBuffer?.none, value: ByteBuffer(bytes: [0, 1, 2]), timestamp: 900),
            NewRecord(key: ByteBuffer(string: "tombstone"), value: nil, timestamp: 1_200),
            NewRecord(key: ByteBuffer(), value: ByteBuffer(), timestamp: 1_000_000),
        ])
        let walked = try Self.walk(try batch.encoded())
        #expect(walked.count == batch.records.count)
        for (record, fields) in zip(batch.records, walked) {
            #expect(fields.timestampDelta == record.timestampDelta)
            #expect(fields.offsetDelta == record.offsetDelta)
            #expect(fields.key == record.key.map { Array($0.readableBytesView) })
            #expect(fields.value == record.value.map { Array($0.readableBytesView) })
            #expect(fields.hasHeaders == !record.headers.isEmpty)
        }
    }

    @Test func aRecordLongerThanTheBytesThrows() throws {
        var raw = try RecordBatch.make(records: [NewRecord(key: "k", value: "value", timestamp: 1)]).encoded()
        raw.moveWriterIndex(to: raw.writerIndex - 3)
        #expect(throws: RecordBatchError.self) { try Self.walk(raw) }
    }
}
