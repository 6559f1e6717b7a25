import NIOCore
@testable import PierBroker
import PierRecords
import PierStorage
import Testing

@Suite struct RetentionServiceTests {
    private func batch(values: [String], timestamp: Int64) throws -> AppendableBatch {
        let records = values.map { NewRecord(key: nil, value: ByteBuffer(string: $0), timestamp: timestamp) }
        var raw = try RecordBatch.make(records: records).encoded()
        let original = raw
        return AppendableBatch(raw: original, decoded: try RecordBatch(decoding: &raw))
    }

    @Test func oldRecordsGoAndTheLogStartAdvancesOnlyForTopicsWithRetention() async throws {
        let harness = try await InProcessBroker()
        let context = harness.context
        try context.topics.create(TopicManager.Creation(name: "short", partitions: 1, replicationFactor: 1, configs: ["retention.ms": "1000"]))
        try context.topics.create(TopicManager.Creation(name: "forever", partitions: 1, replicationFactor: 1, configs: ["retention.ms": "-1"]))
        let now: Int64 = 1_700_000_000_000
        for name in ["short", "forever"] {
            let log = try context.registry.log(for: TopicPartition(name, 0))
            _ = try log.append([try batch(values: ["old-1", "old-2"], timestamp: now - 60_000)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
            _ = try log.append([try batch(values: ["new"], timestamp: now)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
            try log.updateHighWatermark(log.logEndOffset)
        }

        await RetentionService(context: context, interval: .seconds(3600)).runOnce(now: now)

        #expect(try context.registry.log(for: TopicPartition("short", 0)).logStartOffset == 2)
        #expect(try context.registry.log(for: TopicPartition("forever", 0)).logStartOffset == 0)
        await harness.stop()
    }

    @Test func aConfigChangeAppliesAtTheNextPass() async throws {
        let harness = try await InProcessBroker()
        let context = harness.context
        try context.topics.create(TopicManager.Creation(name: "audit", partitions: 1, replicationFactor: 1, configs: [:]))
        let now: Int64 = 1_700_000_000_000
        let log = try context.registry.log(for: TopicPartition("audit", 0))
        _ = try log.append([try batch(values: ["a"], timestamp: now - 3_600_000)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        _ = try log.append([try batch(values: ["b"], timestamp: now)], as: .leader(leaderEpoch: 0, logAppendTime: nil))
        try log.updateHighWatermark(log.logEndOffset)
        let service = RetentionService(context: context, interval: .seconds(3600))

        await service.runOnce(now: now)
        #expect(log.logStartOffset == 0)  // default retention.ms is 7 days

        try context.topics.setConfig("audit", overrides: ["retention.ms": "60000"], validateOnly: false)
        await service.runOnce(now: now)
        #expect(log.logStartOffset == 1)
        await harness.stop()
    }
}
