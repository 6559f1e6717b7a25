import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import PierBroker
import PierProtocol
import PierStorage
import Synchronization
import Testing

@Suite struct GroupCoordinatorTests {
    final class ManualClock: Sendable {
        private let now = Mutex<Int64>(1_000_000)
        var read: @Sendable () -> Int64 { { self.now.withLock { $0 } } }
        func advance(by milliseconds: Int64) { now.withLock { $0 += milliseconds } }
    }

    struct Harness {
        let directory: String
        let pool: NIOThreadPool
        let clock = ManualClock()

        init() {
            directory = NSTemporaryDirectory() + "pier-coordinator-\(UUID().uuidString)"
            pool = NIOThreadPool(numberOfThreads: 2)
            pool.start()
        }

        func coordinator() throws -> GroupCoordinator {
            let coordinator = GroupCoordinator(shards: GroupShards(dataDirectory: directory, count: 4), settings: ConsumerGroupTests.settings,
                                               storageThreads: pool, logger: Logger(label: "test"), clock: clock.read)
            try coordinator.load()
            return coordinator
        }

        func finish() async throws {
            try await pool.shutdownGracefully()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// MEMBER_ID_REQUIRED, then the join that waits; returns the member id and the pending join.
    private func startJoin(_ coordinator: GroupCoordinator, client: String) async -> (String, Task<ConsumerGroup.JoinResult, Never>) {
        let first = await coordinator.join(groupID: "g", ConsumerGroupTests.request(client: client))
        #expect(first.error == .memberIdRequired)
        let id = first.memberID
        let pending = Task { await coordinator.join(groupID: "g", ConsumerGroupTests.request(id, client: client)) }
        while coordinator.group("g")?.members[id]?.isAwaitingJoin != true { await Task.yield() }
        return (id, pending)
    }

    /// A stopping broker answers the joins waiting on a rebalance (and any later join or sync) at
    /// once, so neither the clients nor the broker's drain wait out the rebalance timeout.
    @Test func stopWaitingAnswersWaitingAndLaterJoins() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let (a, joinA) = await startJoin(coordinator, client: "a")
        coordinator.stopWaiting()
        let answered = await joinA.value
        #expect(answered.error == .coordinatorNotAvailable)
        #expect(answered.memberID == a)
        let later = await coordinator.join(groupID: "g", ConsumerGroupTests.request(client: "b"))
        #expect(later.error == .coordinatorNotAvailable)
        let sync = await coordinator.sync(groupID: "g", memberID: a, generation: 0, instanceID: nil, protocolType: "consumer",
                                          protocolName: "range", assignments: [:])
        #expect(sync.error == .coordinatorNotAvailable)
        coordinator.close()
        try await harness.finish()
    }

    @Test func waitingJoinsAndSyncsAreAnsweredWhenTheRebalanceCompletes() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let (a, joinA) = await startJoin(coordinator, client: "a")
        let (b, joinB) = await startJoin(coordinator, client: "b")
        harness.clock.advance(by: 3_000)  // the initial rebalance delay
        coordinator.expireDeadlines()
        let (resultA, resultB) = (await joinA.value, await joinB.value)
        #expect(resultA.generation == 1 && resultB.generation == 1)
        #expect(resultA.leaderID == a)
        #expect(resultA.members.map(\.memberID) == [a, b])

        let syncB = Task { await coordinator.sync(groupID: "g", memberID: b, generation: 1, instanceID: nil, protocolType: "consumer",
                                                  protocolName: "range", assignments: [:]) }
        while coordinator.group("g")?.members[b]?.isAwaitingSync != true { await Task.yield() }
        let syncA = await coordinator.sync(groupID: "g", memberID: a, generation: 1, instanceID: nil, protocolType: "consumer", protocolName: "range",
                                           assignments: [a: ByteBuffer(string: "A"), b: ByteBuffer(string: "B")])
        #expect(syncA.assignment == ByteBuffer(string: "A"))
        #expect(await syncB.value.assignment == ByteBuffer(string: "B"))
        #expect(coordinator.heartbeat(groupID: "g", memberID: b, generation: 1, instanceID: nil) == .noError)
        coordinator.close()
        try await harness.finish()
    }

    @Test func aStableGroupAndItsOffsetsSurviveARestart() async throws {
        let harness = Harness()
        do {
            let coordinator = try harness.coordinator()
            let (a, join) = await startJoin(coordinator, client: "a")
            harness.clock.advance(by: 3_000)
            coordinator.expireDeadlines()
            #expect(await join.value.generation == 1)
            _ = await coordinator.sync(groupID: "g", memberID: a, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil,
                                       assignments: [a: ByteBuffer(string: "orders-0")])
            let commit = await coordinator.commitOffsets(groupID: "g", memberID: a, generation: 1, instanceID: nil, offsets: [
                CommittedOffset(topic: "orders", partition: 0, offset: 41, commitTimestamp: 1),
            ])
            #expect(commit == .noError)
            #expect(await coordinator.commitOffsets(groupID: "g", memberID: a, generation: 7, instanceID: nil, offsets: []) == .illegalGeneration)
            coordinator.close()
        }
        let restarted = try harness.coordinator()
        let group = try #require(restarted.group("g"))
        #expect(group.state == .stable)
        #expect(group.generation == 1)
        let member = try #require(group.orderedMembers.first)
        #expect(member.assignment == ByteBuffer(string: "orders-0"))
        // The member carries on as if nothing happened.
        #expect(restarted.heartbeat(groupID: "g", memberID: member.memberID, generation: 1, instanceID: nil) == .noError)
        #expect(try await restarted.committedOffsets(groupID: "g").map(\.offset) == [41])
        restarted.close()
        try await harness.finish()
    }

    @Test func aStaticMemberRestartedWithoutARebalanceIsStoredUnderItsNewID() async throws {
        let harness = Harness()
        let newID: String
        do {
            let coordinator = try harness.coordinator()
            let join = Task { await coordinator.join(groupID: "g", ConsumerGroupTests.request(instance: "host-1", client: "s")) }
            while coordinator.group("g")?.members.values.first?.isAwaitingJoin != true { await Task.yield() }
            harness.clock.advance(by: 3_000)
            coordinator.expireDeadlines()
            let oldID = await join.value.memberID
            _ = await coordinator.sync(groupID: "g", memberID: oldID, generation: 1, instanceID: "host-1", protocolType: nil, protocolName: nil,
                                       assignments: [oldID: ByteBuffer(string: "orders-0")])
            // Same generation, same state, same member count: only the member id changes.
            let rejoined = await coordinator.join(groupID: "g", ConsumerGroupTests.request(instance: "host-1", client: "s"))
            #expect(rejoined.error == .noError && rejoined.generation == 1 && rejoined.memberID != oldID)
            newID = rejoined.memberID
            coordinator.close()
        }
        let restarted = try harness.coordinator()
        #expect(restarted.group("g")?.orderedMembers.map(\.memberID) == [newID])
        #expect(restarted.heartbeat(groupID: "g", memberID: newID, generation: 1, instanceID: "host-1") == .noError)
        restarted.close()
        try await harness.finish()
    }

    @Test func standaloneCommitsCreateAnEmptyGroupThatCanBeDeleted() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let error = await coordinator.commitOffsets(groupID: "tool", memberID: "", generation: -1, instanceID: nil, offsets: [
            CommittedOffset(topic: "t", partition: 3, offset: 9, commitTimestamp: 1),
        ])
        #expect(error == .noError)
        #expect(coordinator.listGroups() == [GroupCoordinator.Listing(groupID: "tool", protocolType: "", state: .empty)])
        #expect(await coordinator.deleteGroup("tool") == .noError)
        #expect(await coordinator.deleteGroup("tool") == .groupIdNotFound)
        #expect(try await coordinator.committedOffsets(groupID: "tool").isEmpty)
        coordinator.close()
        try await harness.finish()
    }

    @Test func groupsMapToShardsAsKafkaMapsThemToOffsetsPartitions() {
        // Java's "my-group".hashCode() is -1_906_497_762 (0x8E5D_271E); Kafka's Utils.abs masks the sign bit: 240_985_886 % 50.
        #expect(GroupShards.shard(of: "my-group", count: 50) == 36)
        #expect(GroupShards.shard(of: "", count: 50) == 0)
    }

    @Test func forgettingATopicDropsItsOffsetsInEveryGroup() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        // Groups chosen to land on different shards of the four.
        let groups = ["tool-a", "tool-b", "tool-c", "tool-d"]
        #expect(Set(groups.map { GroupShards.shard(of: $0, count: 4) }).count > 1)
        for group in groups {
            let error = await coordinator.commitOffsets(groupID: group, memberID: "", generation: -1, instanceID: nil, offsets: [
                CommittedOffset(topic: "gone", partition: 0, offset: 5, commitTimestamp: 1),
                CommittedOffset(topic: "kept", partition: 1, offset: 7, commitTimestamp: 1),
            ])
            #expect(error == .noError)
        }
        try coordinator.forgetOffsets(ofTopic: "gone")
        for group in groups {
            let left = try await coordinator.committedOffsets(groupID: group)
            #expect(left.map(\.topic) == ["kept"], "\(group)")
        }
        coordinator.close()
        try await harness.finish()
    }
}
