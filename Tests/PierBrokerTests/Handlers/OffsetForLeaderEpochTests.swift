import NIOCore
@testable import PierBroker
import PierCoordination
import PierProtocol
import PierRecords
import PierStorage
import Testing

/// OffsetForLeaderEpoch at the handler: epoch ends from the leader's epoch cache, and the errors.
@Suite struct OffsetForLeaderEpochTests {
    static func ask(_ context: BrokerContext, topic: String = "epochs", partition: Int32 = 0, currentLeaderEpoch: Int32 = -1,
                    leaderEpoch: Int32) async throws -> OffsetForLeaderEpochResponse.EpochEndOffset {
        let request = OffsetForLeaderEpochRequest(replicaId: -1, topics: [
            .init(topic: topic, partitions: [.init(partition: partition, currentLeaderEpoch: currentLeaderEpoch, leaderEpoch: leaderEpoch)]),
        ])
        let response = try await OffsetForLeaderEpochHandler(context: context).response(to: request, version: 4)
        return try #require(response.topics.first?.partitions.first)
    }

    @Test func answersWhereEachEpochEndsAndChecksTheClientsEpoch() async throws {
        try await InProcessBroker.run { broker in
            let context = broker.context
            try context.topics.create(TopicManager.Creation(name: "epochs", partitions: 1, replicationFactor: 1, configs: [:]))
            let partition = TopicPartition("epochs", 0)
            #expect(try await Self.ask(context, leaderEpoch: 0) == .init(errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 0),
                    "the leader recorded epoch 0 at its log end when it became leader")
            let log = try context.registry.log(for: partition)
            let batch = RecordBatch.make(records: [NewRecord(key: nil, value: ByteBuffer(string: "v"), timestamp: 1)])
            for _ in 0..<3 { _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: 0, logAppendTime: nil)) }
            // Elected again in epoch 3 at offset 3.
            let stored = try #require(try context.cluster.partitionState("epochs", 0))
            try context.cluster.updatePartitionState("epochs", 0, PartitionState(leader: 1, leaderEpoch: 3, isr: [1], controllerEpoch: 1),
                                                     expectedVersion: stored.version)
            try await context.blocking { try context.stateSync.sync(topic: "epochs") }
            _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: 3, logAppendTime: nil))

            #expect(try await Self.ask(context, leaderEpoch: 0) == .init(errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 3))
            #expect(try await Self.ask(context, leaderEpoch: 2) == .init(errorCode: 0, partition: 0, leaderEpoch: 0, endOffset: 3),
                    "no epoch 1 or 2 here: the largest before it, and where it ends")
            #expect(try await Self.ask(context, currentLeaderEpoch: 3, leaderEpoch: 3)
                    == .init(errorCode: 0, partition: 0, leaderEpoch: 3, endOffset: 4), "the current epoch ends at the log end")
            #expect(try await Self.ask(context, currentLeaderEpoch: 2, leaderEpoch: 0).errorCode == ErrorCode.fencedLeaderEpoch.rawValue)
            #expect(try await Self.ask(context, currentLeaderEpoch: 4, leaderEpoch: 0).errorCode == ErrorCode.unknownLeaderEpoch.rawValue)
            #expect(try await Self.ask(context, partition: 7, leaderEpoch: 0).errorCode == ErrorCode.unknownTopicOrPartition.rawValue)
            #expect(try await Self.ask(context, topic: "absent", leaderEpoch: 0).errorCode == ErrorCode.unknownTopicOrPartition.rawValue)

            // Another broker leads now: only the leader answers.
            let next = try #require(try context.cluster.partitionState("epochs", 0))
            try context.cluster.updatePartitionState("epochs", 0, PartitionState(leader: 2, leaderEpoch: 4, isr: [2], controllerEpoch: 1),
                                                     expectedVersion: next.version)
            try await context.blocking { try context.stateSync.sync(topic: "epochs") }
            #expect(try await Self.ask(context, leaderEpoch: 0).errorCode == ErrorCode.notLeaderOrFollower.rawValue)
        }
    }
}
