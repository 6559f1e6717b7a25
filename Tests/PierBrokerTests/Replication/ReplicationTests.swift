import Foundation
import MetricsTestKit
import NIOCore
@testable import PierBroker
import PierCoordination
import PierProtocol
import PierRecords
import PierStorage
import Testing

/// A leader broker (in process, with its listener) and a follower `ReplicaManager` sharing its
/// coordination store: the follower fetches over the wire, acks=all waits for it, the ISR moves.
@Suite struct ReplicationTests {
    static let partition = TopicPartition("replicated", 0)

    /// Leader broker 1 and follower 2 of `replicated-0` (replicas [1, 2], ISR [1, 2], epoch 0).
    static func withPair(
        leaderSettings: [String: String] = [:], topicConfigs: [String: String] = [:], startFollower: Bool = true,
        engines: (leader: StorageEngine, follower: StorageEngine) = (.sqlite, .sqlite), metrics: TestMetrics = TestMetrics(),
        _ body: (BrokerContext, InProcessFollower) async throws -> Void
    ) async throws {
        var settings = ["node.id": "1", "replica.fetch.wait.max.ms": "100", "storage.engine": engines.leader.rawValue]
        settings.merge(leaderSettings) { $1 }
        try await InProcessBroker.run(settings: settings, metricsFactory: metrics) { broker in
            let context = broker.context
            let follower = try InProcessFollower(nodeID: 2, sharing: context, engine: engines.follower)
            do {
                try context.topics.create(TopicManager.Creation(name: partition.topic, assignments: [0: [1, 2]], configs: topicConfigs))
                if startFollower { try follower.learn(partition, configuration: context.topics.configuration(overrides: topicConfigs)) }
                try await body(context, follower)
                await follower.stop()
            } catch {
                await follower.stop()
                throw error
            }
        }
    }

    static func produce(_ context: BrokerContext, _ values: [String], acks: Int16 = -1, timeoutMs: Int32 = 10_000) async throws -> ProduceResponse.PartitionProduceResponse {
        let batch = try RecordBatch.make(records: values.map { NewRecord(key: nil, value: ByteBuffer(string: $0), timestamp: 1) }).encoded()
        let request = ProduceRequest(acks: acks, timeoutMs: timeoutMs, topicData: [
            .init(name: partition.topic, partitionData: [.init(index: partition.partition, records: batch)]),
        ])
        let response = await ProduceHandler(context: context).response(to: request, version: 9)
        return try #require(response.responses.first?.partitionResponses.first)
    }

    /// What a consumer's fetch from `offset` returns: the values and the high watermark.
    static func consume(_ context: BrokerContext, from offset: Int64 = 0) async throws -> (values: [String], highWatermark: Int64) {
        let request = FetchRequest(replicaId: -1, maxWaitMs: 0, minBytes: 0, topics: [
            .init(topic: partition.topic, partitions: [.init(partition: partition.partition, fetchOffset: offset, partitionMaxBytes: 1 << 20)]),
        ])
        let response = try await FetchHandler(context: context).response(to: request, version: 12)
        let data = try #require(response.responses.first?.partitions.first)
        #expect(data.errorCode == ErrorCode.noError.rawValue)
        let batches = try RecordBatchSequence(data.records ?? ByteBuffer()).decodeAll()
        return (batches.flatMap(\.records).map { String(buffer: $0.value ?? ByteBuffer()) }, data.highWatermark)
    }

    static func values(in log: any PartitionLog) throws -> [String] {
        let read = try log.read(from: log.logStartOffset, maxBytes: 1 << 20, upperBound: nil)
        return try RecordBatchSequence(read.batches).decodeAll().flatMap(\.records).map { String(buffer: $0.value ?? ByteBuffer()) }
    }

    static func eventually(_ what: Comment, within seconds: Double = 10, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("not within \(seconds) s: \(what)")
    }

    /// Every pairing of engines: batches ship as batches, so a replica may use the other engine.
    static let enginePairs: [(StorageEngine, StorageEngine)] = [(.sqlite, .sqlite), (.segments, .segments), (.sqlite, .segments), (.segments, .sqlite)]

    @Test(arguments: enginePairs)
    func acksAllAnswersOnceTheFollowerHasTheBatchAndConsumersSeeItThen(leaderEngine: StorageEngine, followerEngine: StorageEngine) async throws {
        try await Self.withPair(engines: (leaderEngine, followerEngine)) { leader, follower in
            let answer = try await Self.produce(leader, ["a", "b", "c"])
            #expect(answer.errorCode == ErrorCode.noError.rawValue)
            #expect(answer.baseOffset == 0)
            // Answered only when the follower had all three at the leader's offsets.
            let replica = try #require(follower.registry.openLog(for: Self.partition))
            #expect(replica.logEndOffset >= 3)
            #expect(try Self.values(in: replica) == ["a", "b", "c"])
            let consumed = try await Self.consume(leader)
            #expect(consumed.values == ["a", "b", "c"])
            #expect(consumed.highWatermark == 3)
            // The follower's high watermark follows the leader's with its next fetch.
            try await Self.eventually("the follower's high watermark reaches 3") { replica.highWatermark == 3 }
            #expect(try replica.endOffset(forLeaderEpoch: 0) == EpochEndOffset(epoch: 0, endOffset: 3))
        }
    }

    @Test func consumersDoNotSeeWhatTheFollowerHasNotAndAcksAllTimesOut() async throws {
        try await Self.withPair(startFollower: false) { leader, follower in
            let answer = try await Self.produce(leader, ["x"], timeoutMs: 300)
            #expect(answer.errorCode == ErrorCode.requestTimedOut.rawValue)
            let consumed = try await Self.consume(leader)
            #expect(consumed.values.isEmpty)
            #expect(consumed.highWatermark == 0, "appended on the leader but not committed")
            // acks=1 is answered after the local append, still invisible to consumers.
            let acksOne = try await Self.produce(leader, ["y"], acks: 1)
            #expect(acksOne.errorCode == ErrorCode.noError.rawValue)
            #expect(acksOne.baseOffset == 1)
            #expect(try await Self.consume(leader).highWatermark == 0)
            // Once the follower runs, both commit.
            try follower.learn(Self.partition, configuration: leader.topics.configuration(overrides: [:]))
            try await Self.eventually("the leader's high watermark reaches 2") {
                leader.replicas.state(of: Self.partition)?.highWatermark == 2
            }
            #expect(try await Self.consume(leader).values == ["x", "y"])
        }
    }

    /// A stopping broker answers an acks=all produce waiting for its followers at once, with an
    /// error that sends the producer to the next leader, instead of after the request's timeout.
    @Test func refusedWaitsAnswerNotLeaderAtOnce() async throws {
        try await Self.withPair(startFollower: false) { leader, _ in
            let waiting = Task { try await Self.produce(leader, ["x"], timeoutMs: 30_000) }
            try await Self.eventually("the produce is appended") { leader.replicas.state(of: Self.partition)?.logEndOffset == 1 }
            let refusedAt = ContinuousClock.now
            leader.replicas.refuseWaits()
            let answer = try await waiting.value
            #expect(answer.errorCode == ErrorCode.notLeaderOrFollower.rawValue)
            #expect(refusedAt.duration(to: .now) < .seconds(5))
            let later = try await Self.produce(leader, ["y"], timeoutMs: 30_000)
            #expect(later.errorCode == ErrorCode.notLeaderOrFollower.rawValue)
        }
    }

    @Test func aLaggingFollowerLeavesTheISRThenRejoinsWhenCaughtUp() async throws {
        let metrics = TestMetrics()
        try await Self.withPair(leaderSettings: ["replica.lag.time.max.ms": "300"], topicConfigs: ["min.insync.replicas": "2"],
                                startFollower: false, metrics: metrics) { leader, follower in
            // With the follower silent, the ISR shrinks to the leader while the produce waits:
            // the batch commits but is answered NOT_ENOUGH_REPLICAS_AFTER_APPEND.
            let waited = try await Self.produce(leader, ["first"])
            #expect(waited.errorCode == ErrorCode.notEnoughReplicasAfterAppend.rawValue)
            let stored = try #require(try leader.cluster.partitionState(Self.partition.topic, Self.partition.partition))
            #expect(stored.state.isr == [1])
            #expect(stored.state.leaderEpoch == 0)
            #expect(leader.replicas.underReplicatedCount == 1)
            #expect(try metrics.expectCounter(BrokerMetricNames.isrShrinks).totalValue == 1)
            #expect(try metrics.expectCounter(BrokerMetricNames.isrExpands).totalValue == 0)
            // Now refused before the append.
            let refused = try await Self.produce(leader, ["refused"])
            #expect(refused.errorCode == ErrorCode.notEnoughReplicas.rawValue)
            #expect(try #require(leader.registry.openLog(for: Self.partition)).logEndOffset == 1)

            try follower.learn(Self.partition, configuration: leader.topics.configuration(overrides: ["min.insync.replicas": "2"]))
            // The leader applies its ISR write once the store has confirmed it.
            try await Self.eventually("broker 2 rejoins the ISR") { leader.replicas.state(of: Self.partition)?.isr == [1, 2] }
            #expect(try leader.cluster.partitionState(Self.partition.topic, Self.partition.partition)?.state.isr == [1, 2])
            #expect(leader.replicas.underReplicatedCount == 0)
            #expect(try metrics.expectCounter(BrokerMetricNames.isrExpands).totalValue == 1)
            let accepted = try await Self.produce(leader, ["second"])
            #expect(accepted.errorCode == ErrorCode.noError.rawValue)
            #expect(try Self.values(in: try #require(follower.registry.openLog(for: Self.partition))) == ["first", "second"])
        }
    }

    @Test func aFollowerWithADivergentTailTruncatesByLeaderEpochBeforeFetching() async throws {
        try await Self.withPair(startFollower: false) { leader, follower in
            // Both have a, b, c from epoch 0. Broker 2 then led epoch 1 and wrote x, y that nobody got.
            let replica = try follower.registry.log(for: Self.partition)
            for (values, epoch) in [(["a", "b", "c"], Int32(0)), (["x", "y"], 1)] {
                let batch = RecordBatch.make(records: values.map { NewRecord(key: nil, value: ByteBuffer(string: $0), timestamp: 1) })
                _ = try replica.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: epoch, logAppendTime: nil))
            }
            #expect(try await Self.produce(leader, ["a", "b", "c"], acks: 1).errorCode == ErrorCode.noError.rawValue)
            // Broker 1 is elected again in epoch 2 (ISR: itself) and writes d, e.
            let stored = try #require(try leader.cluster.partitionState(Self.partition.topic, Self.partition.partition))
            try leader.cluster.updatePartitionState(Self.partition.topic, Self.partition.partition,
                                                    PartitionState(leader: 1, leaderEpoch: 2, isr: [1], controllerEpoch: 1),
                                                    expectedVersion: stored.version)
            try await leader.blocking { try leader.stateSync.sync(topic: Self.partition.topic) }
            #expect(try await Self.produce(leader, ["d", "e"]).errorCode == ErrorCode.noError.rawValue)

            // The leader's largest epoch up to 1 is 0, ending at 3: the follower keeps a, b, c, drops x, y.
            try follower.learn(Self.partition, configuration: leader.topics.configuration(overrides: [:]))
            try await Self.eventually("the follower has the leader's log") { try Self.values(in: replica) == ["a", "b", "c", "d", "e"] }
            #expect(try replica.endOffset(forLeaderEpoch: 1) == EpochEndOffset(epoch: 0, endOffset: 3), "epoch 1 is gone")
            #expect(try replica.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 2, endOffset: 5))
        }
    }

    @Test func aFetchWithReplicaStateIsAFollowersAndMovesTheHighWatermark() async throws {
        try await Self.withPair(startFollower: false) { leader, _ in
            #expect(try await Self.produce(leader, ["a", "b", "c"], acks: 1).errorCode == ErrorCode.noError.rawValue)
            let topicID = KafkaUUID(try #require(try leader.topics.view(Self.partition.topic)).topicID)
            func fetchAsReplica(_ replica: Int32, from offset: Int64) async throws -> FetchResponse.PartitionData {
                var request = FetchRequest(maxWaitMs: 0, minBytes: 0, topics: [
                    .init(topicId: topicID, partitions: [.init(partition: 0, currentLeaderEpoch: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20)]),
                ])
                request.replicaState = FetchRequest.ReplicaState(replicaId: replica, replicaEpoch: -1)
                return try #require(try await FetchHandler(context: leader).response(to: request, version: 15).responses.first?.partitions.first)
            }
            // Broker 2 reads past the high watermark, up to the log end.
            let first = try await fetchAsReplica(2, from: 0)
            #expect(first.errorCode == ErrorCode.noError.rawValue)
            #expect(try RecordBatchSequence(first.records ?? ByteBuffer()).decodeAll().flatMap(\.records).count == 3)
            #expect(first.highWatermark == 0, "broker 2 has not said it has them yet")
            #expect(try await Self.consume(leader).values.isEmpty)
            // Its next fetch offset says it has them: committed.
            let second = try await fetchAsReplica(2, from: 3)
            #expect(second.highWatermark == 3)
            #expect(try await Self.consume(leader).values == ["a", "b", "c"])
            // A broker that is no replica of the partition is refused.
            #expect(try await fetchAsReplica(7, from: 0).errorCode == ErrorCode.notLeaderOrFollower.rawValue)
        }
    }

    @Test func truncationAsksAgainUntilBothSidesShareAnEpoch() async throws {
        try await Self.withPair(startFollower: false) { leader, follower in
            func appendOne(_ value: String, epoch: Int32, to log: any PartitionLog) throws {
                let batch = RecordBatch.make(records: [NewRecord(key: nil, value: ByteBuffer(string: value), timestamp: 1)])
                _ = try log.append([AppendableBatch(raw: try batch.encoded(), decoded: batch)], as: .leader(leaderEpoch: epoch, logAppendTime: nil))
            }
            // Broker 2 led epoch 0 to offset 5 (a, b, c, x, x), then epoch 2 (y, y) without broker 1's epoch 1.
            let replica = try follower.registry.log(for: Self.partition)
            for value in ["a", "b", "c", "x3", "x4"] { try appendOne(value, epoch: 0, to: replica) }
            for value in ["y5", "y6"] { try appendOne(value, epoch: 2, to: replica) }
            // Broker 1 has a, b, c from epoch 0, then epoch 1 from offset 3, then epoch 3 from offset 8,
            // one record per batch, so no batch boundary gives the divergence away.
            for (epoch, values) in [(Int32(0), ["a", "b", "c"]), (1, ["e3", "e4", "e5", "e6", "e7"]), (3, ["f8", "f9"])] {
                if epoch > 0 {
                    let stored = try #require(try leader.cluster.partitionState(Self.partition.topic, Self.partition.partition))
                    try leader.cluster.updatePartitionState(Self.partition.topic, Self.partition.partition,
                                                            PartitionState(leader: 1, leaderEpoch: epoch, isr: [1], controllerEpoch: 1),
                                                            expectedVersion: stored.version)
                    try await leader.blocking { try leader.stateSync.sync(topic: Self.partition.topic) }
                }
                for value in values { #expect(try await Self.produce(leader, [value], acks: 1).errorCode == ErrorCode.noError.rawValue) }
            }
            // Asked for epoch 2, the leader says epoch 1 ends at 8: the follower cuts at 5 (its epoch 0's
            // end), asks again for epoch 0, hears 3, and cuts x3, x4 too.
            try follower.learn(Self.partition, configuration: leader.topics.configuration(overrides: [:]))
            let expected = ["a", "b", "c", "e3", "e4", "e5", "e6", "e7", "f8", "f9"]
            try await Self.eventually("the follower has the leader's log") { try Self.values(in: replica) == expected }
            #expect(try replica.endOffset(forLeaderEpoch: 0) == EpochEndOffset(epoch: 0, endOffset: 3))
            #expect(try replica.endOffset(forLeaderEpoch: 2) == EpochEndOffset(epoch: 1, endOffset: 8))
        }
    }

    @Test func onlyTheLeaderAcceptsProduceAndItNamesTheLeader() async throws {
        try await Self.withPair { leader, follower in
            let stored = try #require(try leader.cluster.partitionState(Self.partition.topic, Self.partition.partition))
            try leader.cluster.updatePartitionState(Self.partition.topic, Self.partition.partition,
                                                    PartitionState(leader: 2, leaderEpoch: 1, isr: [1, 2], controllerEpoch: 1),
                                                    expectedVersion: stored.version)
            try await leader.blocking { try leader.stateSync.sync(topic: Self.partition.topic) }
            let batch = try RecordBatch.make(records: [NewRecord(key: nil, value: ByteBuffer(string: "v"), timestamp: 1)]).encoded()
            let request = ProduceRequest(acks: 1, timeoutMs: 1_000, topicData: [
                .init(name: Self.partition.topic, partitionData: [.init(index: 0, records: batch)]),
            ])
            let response = await ProduceHandler(context: leader).response(to: request, version: 10)
            let answer = try #require(response.responses.first?.partitionResponses.first)
            #expect(answer.errorCode == ErrorCode.notLeaderOrFollower.rawValue)
            #expect(answer.currentLeader == ProduceResponse.LeaderIdAndEpoch(leaderId: 2, leaderEpoch: 1))
            #expect(response.nodeEndpoints.map(\.nodeId) == [2])
            // Fetches name it too, and a stale epoch is fenced.
            let fetch = FetchRequest(replicaId: -1, maxWaitMs: 0, topics: [
                .init(topic: Self.partition.topic, partitions: [.init(partition: 0, currentLeaderEpoch: 0, fetchOffset: 0, partitionMaxBytes: 1024)]),
            ])
            let fetched = try await FetchHandler(context: leader).response(to: fetch, version: 12)
            let data = try #require(fetched.responses.first?.partitions.first)
            #expect(data.errorCode == ErrorCode.fencedLeaderEpoch.rawValue)
            #expect(data.currentLeader == FetchResponse.LeaderIdAndEpoch(leaderId: 2, leaderEpoch: 1))
            #expect(fetched.nodeEndpoints.isEmpty, "endpoints come with v16")
            var byID = fetch
            byID.topics[0].topicId = KafkaUUID(try #require(try leader.topics.view(Self.partition.topic)).topicID)
            let newer = try await FetchHandler(context: leader).response(to: byID, version: 16)
            #expect(newer.nodeEndpoints.map(\.nodeId) == [2])
        }
    }
}
