import NIOCore
import PierProtocol
import Testing

/// Byte layouts written out by hand from the Kafka protocol guide, so the codecs are checked
/// against the specification and not only against themselves.
@Suite struct KnownBytesTests {
    func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    @Test func apiVersionsRequestV3IsCompactWithTaggedFields() throws {
        var buffer = ByteBuffer()
        try ApiVersionsRequest(clientSoftwareName: "kcat", clientSoftwareVersion: "1.7").encode(into: &buffer, version: 3)
        // compact string = uvarint(len+1) + bytes; then an empty tagged-field section.
        #expect(bytes(buffer) == [5] + Array("kcat".utf8) + [4] + Array("1.7".utf8) + [0])
        // v0 has no fields at all; software name is ignorable so it is silently dropped.
        var v0 = ByteBuffer()
        try ApiVersionsRequest(clientSoftwareName: "kcat", clientSoftwareVersion: "1.7").encode(into: &v0, version: 0)
        #expect(v0.readableBytes == 0)
    }

    @Test func metadataRequestV1NullTopicsMeansAll() throws {
        var buffer = ByteBuffer()
        try MetadataRequest(topics: nil).encode(into: &buffer, version: 1)
        #expect(bytes(buffer) == [0xFF, 0xFF, 0xFF, 0xFF])  // int32 -1: null array
        var empty = ByteBuffer()
        try MetadataRequest(topics: []).encode(into: &empty, version: 1)
        #expect(bytes(empty) == [0, 0, 0, 0])
        // v0 cannot say "all topics" with null.
        #expect(throws: KafkaEncodingError.nullNotAllowed(field: "Topics", version: 0)) {
            var v0 = ByteBuffer()
            try MetadataRequest(topics: nil).encode(into: &v0, version: 0)
        }
    }

    @Test func produceRequestV3AndV9Layouts() throws {
        let records = ByteBuffer(bytes: [0xAA, 0xBB])
        let request = ProduceRequest(
            transactionalId: nil, acks: -1, timeoutMs: 30_000,
            topicData: [.init(name: "t", partitionData: [.init(index: 2, records: records)])]
        )
        var v3 = ByteBuffer()
        try request.encode(into: &v3, version: 3)
        #expect(bytes(v3) == [
            0xFF, 0xFF,  // transactional id: null (int16 -1)
            0xFF, 0xFF,  // acks -1
            0x00, 0x00, 0x75, 0x30,  // timeout 30000
            0, 0, 0, 1, 0, 1, UInt8(ascii: "t"),  // one topic "t"
            0, 0, 0, 1, 0, 0, 0, 2,  // one partition, index 2
            0, 0, 0, 2, 0xAA, 0xBB,  // records as int32-length bytes
        ])
        var v9 = ByteBuffer()
        try request.encode(into: &v9, version: 9)
        #expect(bytes(v9) == [
            0x00,  // compact nullable string: null
            0xFF, 0xFF, 0x00, 0x00, 0x75, 0x30,
            2, 2, UInt8(ascii: "t"),  // compact array of 1, compact string "t"
            2, 0, 0, 0, 2,  // compact array of 1, index 2
            3, 0xAA, 0xBB,  // compact bytes
            0,  // partition tagged fields
            0,  // topic tagged fields
            0,  // request tagged fields
        ])
    }

    @Test func requestHeaderV1AndV2() throws {
        let header = RequestHeader(requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: "rdkafka")
        var v1 = ByteBuffer()
        try header.encode(into: &v1, version: 1)
        #expect(bytes(v1) == [0, 18, 0, 3, 0, 0, 0, 7, 0, 7] + Array("rdkafka".utf8))
        var v2 = ByteBuffer()
        try header.encode(into: &v2, version: 2)
        // Client id stays a classic int16-length string even in the flexible header.
        #expect(bytes(v2) == bytes(v1) + [0])
    }

    @Test func taggedFieldTravelsInTheTaggedSection() throws {
        // FetchRequest v12+: ClusterId is tagged field 0 (nullable compact string).
        var request = FetchRequest()
        request.clusterId = "c"
        var buffer = ByteBuffer()
        try request.encode(into: &buffer, version: 12)
        let tail = Array(buffer.readableBytesView.suffix(5))
        #expect(tail == [1, 0, 2, 2, UInt8(ascii: "c")])  // one field: tag 0, size 2, compact string "c"
        var reading = buffer
        #expect(try FetchRequest(from: &reading, version: 12).clusterId == "c")
    }

    @Test func unknownTaggedFieldsSurviveARoundTrip() throws {
        var response = ApiVersionsResponse()
        response.unknownTaggedFields = [KafkaTaggedField(tag: 99, data: ByteBuffer(bytes: [1, 2, 3]))]
        var buffer = ByteBuffer()
        try response.encode(into: &buffer, version: 3)
        var reading = buffer
        #expect(try ApiVersionsResponse(from: &reading, version: 3).unknownTaggedFields == response.unknownTaggedFields)
    }

    @Test func newFieldAtOldVersionIsRefusedUnlessIgnorable() throws {
        var request = ProduceRequest()
        request.transactionalId = "tx"
        var buffer = ByteBuffer()
        #expect(throws: KafkaEncodingError.fieldNotSupportedAtVersion(field: "TransactionalId", version: 2)) {
            try request.encode(into: &buffer, version: 2)
        }
    }

    @Test func errorCodesAndApiKeysCarryKafkasNames() {
        #expect(ErrorCode.unknownTopicOrPartition.rawValue == 3)
        #expect(ErrorCode.unknownTopicOrPartition.name == "UNKNOWN_TOPIC_OR_PARTITION")
        #expect(ErrorCode.noError.rawValue == 0)
        #expect(ErrorCode.unsupportedVersion.rawValue == 35)
        #expect(ApiKey.produce.rawValue == 0 && ApiKey.apiVersions.rawValue == 18)
        #expect(ApiKey.apiVersions.responseHeaderVersion(for: 3) == 0)
        #expect(ApiKey.metadata.responseHeaderVersion(for: 9) == 1)
        #expect(ApiKey.metadata.requestHeaderVersion(for: 8) == 1)
        #expect(ApiKey.controlledShutdown.requestHeaderVersion(for: 0) == 0)
    }
}
