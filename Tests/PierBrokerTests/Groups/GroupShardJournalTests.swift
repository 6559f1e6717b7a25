import Foundation
import NIOCore
@testable import PierBroker
import PierProtocol
import PierRecords
import PierStorage
import Testing

/// A group shard is what its journal adds up to: replaying the `__consumer_offsets` partition into
/// an empty shard gives the same groups and positions, which is how a new coordinator rebuilds one.
@Suite struct GroupShardJournalTests {
    static func member(_ id: String) -> StoredGroup.Member {
        StoredGroup.Member(memberID: id, groupInstanceID: nil, clientID: "c", clientHost: "/127.0.0.1", sessionTimeoutMilliseconds: 10_000,
                           rebalanceTimeoutMilliseconds: 30_000, protocolMetadata: [0, 1, 2], assignment: [3, 4])
    }

    static let operations: [GroupOperation] = [
        .save(StoredGroup(groupID: "a", protocolType: "consumer", protocolName: "range", generation: 3, leaderID: "m1", state: "Stable",
                          members: [member("m1"), member("m2")]), now: 1_000),
        .commit(groupID: "a", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 10, leaderEpoch: 2, metadata: "x\u{0}y", commitTimestamp: 1_000),
                                         CommittedOffset(topic: "t", partition: 1, offset: 20, commitTimestamp: 1_000, expireTimestamp: 5_000)]),
        .commit(groupID: "b", offsets: [CommittedOffset(topic: "u", partition: 0, offset: 1, commitTimestamp: 500)]),
        .save(StoredGroup(groupID: "b", protocolType: "consumer", protocolName: nil, generation: 0, leaderID: nil, state: "Empty", members: [],
                          emptySince: 400), now: 1_100),
        .commit(groupID: "a", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 11, commitTimestamp: 2_000)]),
        .deleteOffsets(groupID: "a", partitions: [GroupOperation.OffsetKey(topic: "t", partition: 1)]),
        .expireOffsets(groupID: "b", emptySince: 400, now: 100_000, retentionMilliseconds: 1_000),
        .deleteGroupIfNoOffsets("b"),
    ]

    @Test(arguments: [StorageEngine.sqlite, .segments])
    func replayingTheJournalRebuildsTheShard(engine: StorageEngine) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pier-journal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let log: any PartitionLog = engine == .sqlite
            ? try SQLitePartitionLog(directory: root.appendingPathComponent("log").path)
            : try SegmentPartitionLog(directory: root.appendingPathComponent("log").path)
        defer { try? log.close() }
        let original = try GroupMetadataStore(path: root.appendingPathComponent("original.sqlite").path)
        defer { original.close() }
        var outcomes: [GroupOperationOutcome] = []
        for (index, operation) in Self.operations.enumerated() {
            _ = try log.append([try GroupShardJournal.batch(operation, timestamp: Int64(index))], as: .leader(leaderEpoch: 0, logAppendTime: nil))
            outcomes.append(try original.apply(operation))
        }
        #expect(outcomes.suffix(2) == [.expired(1, remaining: 0), .groupDeleted(true)], "the expiry really removed group b")

        let rebuilt = try GroupMetadataStore(path: root.appendingPathComponent("rebuilt.sqlite").path)
        defer { rebuilt.close() }
        #expect(try GroupShardJournal.replay(log, into: rebuilt) == Self.operations.count)
        #expect(try rebuilt.loadGroups() == original.loadGroups())
        #expect(try rebuilt.loadGroups().map(\.groupID) == ["a"])
        #expect(try rebuilt.offsets(groupID: "a") == original.offsets(groupID: "a"))
        #expect(try rebuilt.offsets(groupID: "a").map(\.offset) == [11])
    }

    @Test func aBrokerRebuildsAShardFromItsJournalAndCarriesAnOldShardIntoOne() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-journal-broker-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = ["offsets.topic.num.partitions": "4"]
        let shard = GroupShards.shard(of: "readers", count: 4)
        let shardFile = directory.appendingPathComponent("groups/shard-\(shard).sqlite").path

        // A shard as a broker before journals wrote it: a database and no journal.
        let old = try GroupMetadataStore(path: shardFile)
        try old.commit(groupID: "readers", offsets: [CommittedOffset(topic: "t", partition: 0, offset: 42, commitTimestamp: 1)])
        try old.save(StoredGroup(groupID: "readers", protocolType: "consumer", protocolName: nil, generation: 0, leaderID: nil,
                                 state: "Empty", members: [], emptySince: 1), now: 1)
        old.close()

        var harness = try await InProcessBroker(settings: settings, dataDirectory: directory, coordinatingGroups: true)
        #expect(try await harness.context.groups.committedOffsets(groupID: "readers").map(\.offset) == [42])
        let journal = try #require(harness.context.registry.openLog(for: GroupShardLeadership.partition(ofShard: shard)))
        #expect(journal.logEndOffset == 1, "the old shard became its journal's first record")
        let error = await harness.context.groups.commitOffsets(
            groupID: "readers", memberID: "", generation: -1, instanceID: nil,
            offsets: [CommittedOffset(topic: "t", partition: 0, offset: 43, commitTimestamp: 2)])
        #expect(error == .noError)
        await harness.broker.shutdown()

        // A broker holding only the journal (a follower becoming coordinator) gets the groups back.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: shardFile + suffix) }
        harness = try await InProcessBroker(settings: settings, dataDirectory: directory, coordinatingGroups: true)
        #expect(try await harness.context.groups.committedOffsets(groupID: "readers").map(\.offset) == [43])
        #expect(harness.context.groups.group("readers")?.state == .empty)
        await harness.stop()
    }

    /// A group change recorded after the journal's leadership moved (the replication side knows, the
    /// shard's takeover queue not yet) is not written as leader: the client hears NOT_COORDINATOR.
    @Test func aChangeAfterTheJournalsLeadershipMovedIsNotWritten() async throws {
        try await InProcessBroker.run(settings: ["offsets.topic.num.partitions": "2"], coordinatingGroups: true) { broker in
            let context = broker.context
            let shard = GroupShards.shard(of: "readers", count: 2)
            let commit = { (offset: Int64) in
                await context.groups.commitOffsets(groupID: "readers", memberID: "", generation: -1, instanceID: nil,
                                                   offsets: [CommittedOffset(topic: "t", partition: 0, offset: offset, commitTimestamp: 1)])
            }
            #expect(await commit(1) == .noError)
            let partition = GroupShardLeadership.partition(ofShard: shard)
            let journal = try #require(context.registry.openLog(for: partition))
            let written = journal.logEndOffset
            let (state, version) = try #require(try context.cluster.partitionState(partition.topic, partition.partition))
            var moved = state
            moved.leader = context.nodeID + 1
            moved.leaderEpoch += 1
            moved.isr = [context.nodeID + 1]
            context.replicas.partitionStateChanged(partition, replicas: [context.nodeID, context.nodeID + 1], state: moved,
                                                   znodeVersion: version + 1, configuration: context.topics.configuration(overrides: [:]))
            #expect(await commit(2) == .notCoordinator)
            #expect(journal.logEndOffset == written)
        }
    }

    @Test func clientsCannotWriteIntoTheJournal() async throws {
        try await InProcessBroker.run(settings: ["offsets.topic.num.partitions": "2"], coordinatingGroups: true) { broker in
            let batch = try RecordBatch.make(records: [NewRecord(key: nil, value: ByteBuffer(string: "forged"), timestamp: 1)]).encoded()
            let request = ProduceRequest(acks: 1, timeoutMs: 1_000, topicData: [
                .init(name: GroupShardJournal.topic, partitionData: [.init(index: 0, records: batch)]),
            ])
            let response = await ProduceHandler(context: broker.context).response(to: request, version: 9)
            #expect(response.responses.first?.partitionResponses.first?.errorCode == ErrorCode.invalidTopicException.rawValue)
            let journal = broker.context.registry.openLog(for: GroupShardLeadership.partition(ofShard: 0))
            #expect((journal?.logEndOffset ?? 0) == 0)
        }
    }
}
