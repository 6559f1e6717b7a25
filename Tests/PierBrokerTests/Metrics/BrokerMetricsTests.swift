import MetricsTestKit
import NIOCore
@testable import PierBroker
import PierProtocol
import PierRecords
import Testing

@Suite struct BrokerMetricsTests {
    @Test func namesAreValidPrometheusNamesAndCountersSayTotal() {
        let counters: Set = [
            BrokerMetricNames.bytesIn, BrokerMetricNames.recordsIn, BrokerMetricNames.bytesOut, BrokerMetricNames.recordsOut,
            BrokerMetricNames.requests, BrokerMetricNames.retentionDeletedRecords, BrokerMetricNames.isrShrinks, BrokerMetricNames.isrExpands,
            BrokerMetricNames.groupOffsetsExpired,
        ]
        #expect(Set(BrokerMetricNames.all).count == BrokerMetricNames.all.count)
        for name in BrokerMetricNames.all {
            #expect(name.hasPrefix("pier_"), "\(name)")
            #expect(name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }, "\(name)")
            #expect(name.hasSuffix("_total") == counters.contains(name), "\(name)")
        }
        #expect(BrokerMetricNames.requestDuration.hasSuffix("_seconds"))
        #expect(BrokerMetricNames.checkpointDuration.hasSuffix("_seconds"))
    }

    @Test func requestsAreCountedAndTimedPerApiByKafkaName() throws {
        let recorded = TestMetrics()
        let metrics = BrokerMetrics(factory: recorded)
        metrics.requestHandled(.produce, duration: .microseconds(1500))
        metrics.requestHandled(.produce, duration: .microseconds(500))
        metrics.requestHandled(.fetch, duration: .milliseconds(3))
        #expect(try recorded.expectCounter(BrokerMetricNames.requests, [("api", "Produce")]).totalValue == 2)
        #expect(try recorded.expectTimer(BrokerMetricNames.requestDuration, [("api", "Produce")]).values == [1_500_000, 500_000])
        #expect(try recorded.expectCounter(BrokerMetricNames.requests, [("api", "Fetch")]).totalValue == 1)
        // The ISR counters exist from the start, at zero.
        #expect(try recorded.expectCounter(BrokerMetricNames.isrShrinks).totalValue == 0)
        #expect(try recorded.expectCounter(BrokerMetricNames.isrExpands).totalValue == 0)
    }

    @Test func expiredOffsetsAreCountedFromZero() throws {
        let recorded = TestMetrics()
        let metrics = BrokerMetrics(factory: recorded)
        #expect(try recorded.expectCounter(BrokerMetricNames.groupOffsetsExpired).totalValue == 0)
        metrics.offsetsExpired(3)
        metrics.offsetsExpired(0)
        #expect(try recorded.expectCounter(BrokerMetricNames.groupOffsetsExpired).totalValue == 3)
    }

    @Test func fetchedBatchesCountEveryRecordAndByte() throws {
        let recorded = TestMetrics()
        let metrics = BrokerMetrics(factory: recorded)
        var batches = ByteBuffer()
        for count in [3, 5] {
            var encoded = try RecordBatch.make(records: (0..<count).map { NewRecord(key: "k", value: "v\($0)", timestamp: 1) }).encoded()
            batches.writeBuffer(&encoded)
        }
        let whole = batches.readableBytes
        // A fetch cut at the byte limit ends in part of a batch: that part carries no whole record.
        batches.writeBytes([0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0])
        metrics.fetched(fromTopic: "audit", batches: batches)
        metrics.appended(toTopic: "audit", records: 8, bytes: whole)
        #expect(try recorded.expectCounter(BrokerMetricNames.recordsOut, [("topic", "audit")]).totalValue == 8)
        #expect(try recorded.expectCounter(BrokerMetricNames.bytesOut, [("topic", "audit")]).totalValue == Int64(batches.readableBytes))
        #expect(try recorded.expectCounter(BrokerMetricNames.recordsIn, [("topic", "audit")]).totalValue == 8)
        #expect(try recorded.expectCounter(BrokerMetricNames.bytesIn, [("topic", "audit")]).totalValue == Int64(whole))
    }

    @Test func publishingGaugesRemovesSeriesThatAreGone() throws {
        let recorded = TestMetrics()
        let metrics = BrokerMetrics(factory: recorded)
        metrics.publish([
            GaugeSample(BrokerMetricNames.logEndOffset, ["topic": "a", "partition": "0"], 10),
            GaugeSample(BrokerMetricNames.logEndOffset, ["topic": "b", "partition": "0"], 20),
        ])
        #expect(try recorded.expectGauge(BrokerMetricNames.logEndOffset, [("topic", "b"), ("partition", "0")]).lastValue == 20)
        metrics.publish([GaugeSample(BrokerMetricNames.logEndOffset, ["topic": "a", "partition": "0"], 11)])
        #expect(try recorded.expectGauge(BrokerMetricNames.logEndOffset, [("topic", "a"), ("partition", "0")]).lastValue == 11)
        #expect(recorded.recorders(label: BrokerMetricNames.logEndOffset).count == 1)
    }
}

/// docs/operations.md documents every metric the broker exports.
@Suite struct MetricsDocTests {
    @Test func everyMetricIsInTheOperationsTable() {
        let document = RepositoryFile.text("docs/operations.md")
        #expect(!document.isEmpty, "docs/operations.md not found")
        for name in BrokerMetricNames.all {
            #expect(document.contains("| `\(name)` |"), "\(name) is not in docs/operations.md")
        }
    }
}
