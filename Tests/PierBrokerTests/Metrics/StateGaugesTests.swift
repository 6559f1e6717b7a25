import MetricsTestKit
import NIOCore
@testable import PierBroker
import PierRecords
import PierStorage
import Testing

/// The gauges read on scrape, and the retention counter, against a real in-process broker's state.
@Suite struct StateGaugesTests {
    private func batch(_ count: Int, timestamp: Int64) throws -> AppendableBatch {
        var raw = try RecordBatch.make(records: (0..<count).map { NewRecord(key: nil, value: ByteBuffer(string: "v\($0)"), timestamp: timestamp) }).encoded()
        let original = raw
        return AppendableBatch(raw: original, decoded: try RecordBatch(decoding: &raw))
    }

    @Test func partitionOffsetsSizesAndGroupLagAreReadFromTheBroker() async throws {
        let harness = try await InProcessBroker(coordinatingGroups: true)
        let recorded = TestMetrics()
        var context = harness.context
        context.metrics = BrokerMetrics(factory: recorded)
        try context.topics.create(TopicManager.Creation(name: "audit", partitions: 2, replicationFactor: 1, configs: [:]))
        let log = try context.registry.log(for: TopicPartition("audit", 1))
        _ = try log.append([try batch(5, timestamp: 1_700_000_000_000)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        try log.updateHighWatermark(log.logEndOffset)
        let committed = await context.groups.commitOffsets(groupID: "readers", memberID: "", generation: -1, instanceID: nil, offsets: [
            CommittedOffset(topic: "audit", partition: 1, offset: 2, commitTimestamp: 1_700_000_000_000),
        ])
        #expect(committed == .noError)

        context.metrics.publish(try await StateGauges(context: context).samples())

        let partition1 = [("topic", "audit"), ("partition", "1")]
        #expect(try recorded.expectGauge(BrokerMetricNames.logEndOffset, partition1).lastValue == 5)
        #expect(try recorded.expectGauge(BrokerMetricNames.highWatermark, partition1).lastValue == 5)
        #expect(try recorded.expectGauge(BrokerMetricNames.logStartOffset, partition1).lastValue == 0)
        #expect(try recorded.expectGauge(BrokerMetricNames.partitionSize, partition1).lastValue == Double(log.sizeInBytes))
        #expect(try #require(recorded.expectGauge(BrokerMetricNames.walSize, partition1).lastValue) > 0)
        #expect(try recorded.expectGauge(BrokerMetricNames.logEndOffset, [("topic", "audit"), ("partition", "0")]).lastValue == 0)
        let group = [("group", "readers"), ("topic", "audit"), ("partition", "1")]
        #expect(try recorded.expectGauge(BrokerMetricNames.consumerGroupCommittedOffset, group).lastValue == 2)
        #expect(try recorded.expectGauge(BrokerMetricNames.consumerGroupLag, group).lastValue == 3)
        #expect(try recorded.expectGauge(BrokerMetricNames.underReplicatedPartitions).lastValue == 0)

        // A deleted topic's series go at the next collection.
        try context.topics.delete("audit")
        context.metrics.publish(try await StateGauges(context: context).samples())
        #expect(recorded.recorders(label: BrokerMetricNames.logEndOffset).allSatisfy { $0.dimensions.contains { $0 == ("topic", "__consumer_offsets") } })
        #expect(recorded.recorders(label: BrokerMetricNames.consumerGroupLag).isEmpty)
        await harness.stop()
    }

    @Test func retentionDeletionsAreCountedPerTopic() async throws {
        let harness = try await InProcessBroker()
        let recorded = TestMetrics()
        var context = harness.context
        context.metrics = BrokerMetrics(factory: recorded)
        try context.topics.create(TopicManager.Creation(name: "short", partitions: 1, replicationFactor: 1, configs: ["retention.ms": "1000"]))
        let now: Int64 = 1_700_000_000_000
        let log = try context.registry.log(for: TopicPartition("short", 0))
        _ = try log.append([try batch(2, timestamp: now - 60_000)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        _ = try log.append([try batch(1, timestamp: now)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        try log.updateHighWatermark(log.logEndOffset)

        await RetentionService(context: context, interval: .seconds(3600)).runOnce(now: now)

        #expect(try recorded.expectCounter(BrokerMetricNames.retentionDeletedRecords, [("topic", "short")]).totalValue == 2)
        await harness.stop()
    }
}
