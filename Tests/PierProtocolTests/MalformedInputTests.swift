import NIOCore
import PierProtocol
import Testing

/// Hostile or broken bytes give typed errors, never a crash or an attacker-sized allocation.
@Suite struct MalformedInputTests {
    @Test(arguments: [(ApiKey.produce, Int16(9)), (.metadata, 12), (.fetch, 13), (.apiVersions, 3), (.createTopics, 7)])
    func everyTruncationIsATypedError(apiKey: ApiKey, version: Int16) throws {
        var random = ArbitraryValues(seed: 42)
        let encoded = try arbitraryRequestBytes(apiKey, version: version, random: &random)
        for length in 0..<encoded.readableBytes {
            var prefix = encoded.getSlice(at: encoded.readerIndex, length: length)!
            do {
                _ = try KafkaRequestBody.decode(apiKey: apiKey.rawValue, version: version, from: &prefix)
                // A prefix may decode when the cut falls after the last field: then it must have used all of it.
                #expect(prefix.readableBytes == 0)
            } catch {
                // typed error: fine
            }
        }
    }

    @Test func hugeArrayCountIsRefusedBeforeAllocating() {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32.max)  // Metadata v1: topics array count
        #expect(throws: KafkaDecodingError.lengthExceedsBuffer(field: "Topics", length: Int(Int32.max), remaining: 0)) {
            try MetadataRequest(from: &buffer, version: 1)
        }
    }

    @Test func negativeLengthsAreRefused() {
        var topics = ByteBuffer()
        topics.writeInteger(Int32(1))
        topics.writeInteger(Int16(-5))
        #expect(throws: KafkaDecodingError.negativeLength(field: "Name", length: -5)) {
            try CreateTopicsRequest(from: &topics, version: 0)
        }
    }

    @Test func overlongVarintIsRefused() {
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        #expect(throws: KafkaDecodingError.invalidVarint) { try buffer.readUnsignedVarint() }
        var long = ByteBuffer(bytes: Array(repeating: 0xFF, count: 10) + [0x01])
        #expect(throws: KafkaDecodingError.invalidVarint) { try long.readUnsignedVarlong() }
        var truncated = ByteBuffer(bytes: [0x80, 0x80])
        #expect(throws: KafkaDecodingError.truncated(field: "varint")) { try truncated.readUnsignedVarint() }
    }

    @Test func varintEdgeValuesRoundTrip() throws {
        for value: Int32 in [0, -1, 1, 63, -64, 64, Int32.max, Int32.min] {
            var buffer = ByteBuffer()
            buffer.writeVarint(value)
            #expect(try buffer.readVarint() == value)
        }
        for value: Int64 in [0, -1, Int64.max, Int64.min, 1 << 40] {
            var buffer = ByteBuffer()
            buffer.writeVarlong(value)
            #expect(try buffer.readVarlong() == value)
        }
        var max = ByteBuffer()
        max.writeUnsignedVarint(UInt32.max)
        #expect(max.readableBytes == 5)
        #expect(try max.readUnsignedVarint() == UInt32.max)
    }

    @Test func invalidUTF8IsRefused() {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int32(1))
        buffer.writeInteger(Int16(2))
        buffer.writeBytes([0xC3, 0x28])
        #expect(throws: KafkaDecodingError.invalidUTF8(field: "Name")) { try MetadataRequest(from: &buffer, version: 1) }
    }

    @Test func unknownApiKeyAndVersionAreNamed() {
        var empty = ByteBuffer()
        #expect(throws: KafkaDecodingError.unknownApiKey(999)) { try KafkaRequestBody.decode(apiKey: 999, version: 0, from: &empty) }
        #expect(throws: KafkaDecodingError.unsupportedVersion(apiKey: 18, version: 99)) {
            try KafkaRequestBody.decode(apiKey: 18, version: 99, from: &empty)
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var random = ArbitraryValues(seed: 7)
        for _ in 0..<3_000 {
            let apiKey = ApiKey.allCases[random.below(ApiKey.allCases.count)]
            let versions = apiKey.validVersions
            let version = versions.lowerBound + Int16(random.below(versions.count))
            var bytes = ByteBuffer(bytes: (0..<random.below(64)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            _ = try? KafkaRequestBody.decode(apiKey: apiKey.rawValue, version: version, from: &bytes)
        }
    }

    private func arbitraryRequestBytes(_ apiKey: ApiKey, version: Int16, random: inout ArbitraryValues) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        switch apiKey {
        case .produce: try ProduceRequest.arbitrary(version: version, using: &random).encode(into: &buffer, version: version)
        case .metadata: try MetadataRequest.arbitrary(version: version, using: &random).encode(into: &buffer, version: version)
        case .fetch: try FetchRequest.arbitrary(version: version, using: &random).encode(into: &buffer, version: version)
        case .apiVersions: try ApiVersionsRequest.arbitrary(version: version, using: &random).encode(into: &buffer, version: version)
        default: try CreateTopicsRequest.arbitrary(version: version, using: &random).encode(into: &buffer, version: version)
        }
        return buffer
    }
}
