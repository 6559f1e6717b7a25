import Foundation
import NIOCore
import PierProtocol
import Testing

/// Request frames captured from real clients (kcat 1.7.1 on librdkafka 2.0.2, confluent-kafka 2.16)
/// by `Tests/Fixtures/golden/capture.py`: each must decode, and re-encode to the very same bytes.
@Suite struct GoldenRequestTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

    static var frameFiles: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".bin") }.sorted()) ?? []
    }

    static func load(_ name: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    @Test func fixturesArePresent() {
        #expect(Self.frameFiles.count >= 20)
    }

    @Test(arguments: frameFiles)
    func decodesAndReencodesByteForByte(_ file: String) throws {
        let frame = try Self.load(file)
        var reading = frame
        let (header, headerVersion) = try RequestHeader.decode(from: &reading)
        let body = try KafkaRequestBody.decode(apiKey: header.requestApiKey, version: header.requestApiVersion, from: &reading)
        #expect(reading.readableBytes == 0, "\(file): \(reading.readableBytes) bytes left")

        var reencoded = ByteBuffer()
        try header.encode(into: &reencoded, version: headerVersion)
        try body.encode(into: &reencoded, version: header.requestApiVersion)
        #expect(reencoded == frame, "\(file) re-encodes differently")
    }

    @Test func kcatApiVersionsIsFlexibleV3WithSoftwareName() throws {
        var frame = try Self.load("kcat-none-ApiVersions-v3.bin")
        let (header, headerVersion) = try RequestHeader.decode(from: &frame)
        #expect(headerVersion == 2 && header.clientId == "rdkafka")
        let request = try ApiVersionsRequest(from: &frame, version: 3)
        #expect(request.clientSoftwareName == "librdkafka")
        #expect(request.clientSoftwareVersion.hasPrefix("2.0"))
    }

    @Test func producedRecordsArriveAsOneBatchPerPartition() throws {
        for codec in ["kcat-none", "confluent-gzip", "confluent-snappy", "confluent-lz4", "confluent-zstd"] {
            var frame = try Self.load("\(codec)-Produce-v7.bin")
            let (header, _) = try RequestHeader.decode(from: &frame)
            let request = try ProduceRequest(from: &frame, version: header.requestApiVersion)
            #expect(request.acks == -1)
            #expect(request.topicData.map(\.name) == ["golden"])
            let records = try #require(request.topicData.first?.partitionData.first?.records)
            // v2 batch: magic byte 2 at offset 16; compression in the low 3 bits of attributes (offset 21-22).
            #expect(records.getInteger(at: records.readerIndex + 16, as: Int8.self) == 2)
            let codecBits = (records.getInteger(at: records.readerIndex + 21, as: Int16.self) ?? -1) & 0x7
            let expected: [String: Int16] = ["kcat-none": 0, "confluent-gzip": 1, "confluent-snappy": 2, "confluent-lz4": 3, "confluent-zstd": 4]
            #expect(codecBits == expected[codec], "\(codec)")
        }
    }
}

extension KafkaRequestBody {
    /// Encodes whichever request this is (tests only: the broker encodes responses, not requests).
    func encode(into buffer: inout ByteBuffer, version: Int16) throws {
        switch self {
        case .apiVersions(let request): try request.encode(into: &buffer, version: version)
        case .metadata(let request): try request.encode(into: &buffer, version: version)
        case .produce(let request): try request.encode(into: &buffer, version: version)
        default: Issue.record("no test encoder for \(apiKey)")
        }
    }
}
