import Foundation
import NIOCore
import PierProtocol
import PierRecords
import Testing

/// The Produce requests real clients sent (Tests/Fixtures/golden), decoded all the way down to their
/// records: the protocol layer hands the records field over as a slice and PierRecords reads every
/// codec those clients use.
@Suite struct GoldenProduceRecordsTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

    @Test(arguments: ["kcat-none", "kcat-zstd", "confluent-gzip", "confluent-snappy", "confluent-lz4", "confluent-zstd"])
    func recordsOfEveryCodecDecode(_ capture: String) throws {
        var frame = ByteBuffer(bytes: try Data(contentsOf: Self.fixtures.appendingPathComponent("\(capture)-Produce-v7.bin")))
        let (header, _) = try RequestHeader.decode(from: &frame)
        let request = try ProduceRequest(from: &frame, version: header.requestApiVersion)
        let recordsField = try #require(request.topicData.first?.partitionData.first?.records)

        let batches = try RecordBatchSequence(recordsField).decodeAll()
        let records = batches.flatMap(\.records)
        #expect(records.count == 20)
        for (index, record) in records.enumerated() {
            #expect(record.key.map { String(buffer: $0) } == "key-\(index)")
            #expect(record.value.map { String(buffer: $0) } == "value \(index) " + String(repeating: "x", count: 40))
            #expect(record.headers.first == RecordHeader(key: "trace", value: ByteBuffer(string: "abc")))
        }
        let expectedCodec: CompressionCodec = switch capture.split(separator: "-").last! {
        case "gzip": .gzip
        case "snappy": .snappy
        case "lz4": .lz4
        case "zstd": .zstd
        default: .none
        }
        #expect(batches.allSatisfy { $0.header.attributes.compression == expectedCodec })
    }

    @Test func legacyMessageFormatIsRefusedNotMisread() throws {
        var frame = ByteBuffer(bytes: try Data(contentsOf: Self.fixtures.appendingPathComponent("kcat-legacy-Produce-v7.bin")))
        let (header, _) = try RequestHeader.decode(from: &frame)
        let request = try ProduceRequest(from: &frame, version: header.requestApiVersion)
        let recordsField = try #require(request.topicData.first?.partitionData.first?.records)
        #expect(throws: RecordBatchError.self) { try RecordBatchSequence(recordsField).decodeAll() }
        do {
            _ = try RecordBatchSequence(recordsField).decodeAll()
        } catch {
            guard case .unsupportedMagic(let magic) = error else { Issue.record("expected unsupportedMagic, got \(error)"); return }
            #expect(magic == 0)
        }
    }
}
