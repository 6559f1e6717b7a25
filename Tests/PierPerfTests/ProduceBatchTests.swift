import NIOCore
import PierRecords
import Testing
@testable import PierPerf

@Suite struct ProduceBatchTests {
    /// A full batch stays within --batch-bytes and fills most of it, for small and large records.
    @Test(arguments: [(0, 16_384), (100, 1_048_576), (1_000, 65_536), (10, 200)])
    func batchesFillButNeverExceedTheLimit(valueSize: Int, batchBytes: Int) throws {
        let count = BatchSizing.recordsPerBatch(valueSize: valueSize, batchBytes: batchBytes)
        let payload = ProduceRecordsPayload.make(size: valueSize)
        let batch = try ProducePerf.encodeBatch(count: count, payload: payload, timestamp: 1_700_000_000_000)
        #expect(batch.readableBytes <= batchBytes)
        let oneMore = try ProducePerf.encodeBatch(count: count + 1, payload: payload, timestamp: 1_700_000_000_000)
        #expect(Double(oneMore.readableBytes) > Double(batchBytes) * 0.97)
    }

    @Test func aRecordLargerThanTheLimitGoesAlone() {
        #expect(BatchSizing.recordsPerBatch(valueSize: 2_000_000, batchBytes: 1_048_576) == 1)
    }

    @Test func encodedBatchesDecodeToTheRecordsSent() throws {
        let payload = ProducePerf.randomPayload(size: 100)
        #expect(payload.readableBytes == 100)
        #expect(payload.readableBytesView.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        var bytes = try ProducePerf.encodeBatch(count: 3, payload: payload, timestamp: 42)
        let batch = try RecordBatch(decoding: &bytes)
        #expect(batch.records.count == 3)
        #expect(batch.records.allSatisfy { $0.key == nil && $0.value == payload })
        #expect(batch.records.map(\.offsetDelta) == [0, 1, 2])
        #expect(batch.header.baseTimestamp == 42)
    }

    @Test func optionsAreCheckedBeforeAnythingIsSent() {
        var options = ProducePerf.Options(bootstrap: "127.0.0.1:9092", topic: "t", records: 10)
        #expect(options.problem == nil)
        options.acks = 2
        #expect(options.problem == "--acks must be -1 (all), 0 or 1")
        options.acks = 1
        options.recordsPerSecond = 0
        #expect(throws: PerfFailure("--throughput must be positive, or -1 for unlimited")) { try ProducePerf(options: options) }
    }

    @Test func bootstrapAddressesAreHostAndPort() throws {
        let ipv4 = try PartitionLeader.parse(bootstrap: "127.0.0.1:9092")
        #expect(ipv4.host == "127.0.0.1" && ipv4.port == 9092)
        let ipv6 = try PartitionLeader.parse(bootstrap: "[::1]:19092")
        #expect(ipv6.host == "::1" && ipv6.port == 19092)
        #expect(throws: PerfFailure.self) { try PartitionLeader.parse(bootstrap: "localhost") }
        #expect(throws: PerfFailure.self) { try PartitionLeader.parse(bootstrap: ":9092") }
        #expect(throws: PerfFailure.self) { try PartitionLeader.parse(bootstrap: "host:99999") }
    }
}

/// Fixed, readable payloads for the sizing tests.
enum ProduceRecordsPayload {
    static func make(size: Int) -> ByteBuffer {
        ByteBuffer(repeating: UInt8(ascii: "x"), count: size)
    }
}
