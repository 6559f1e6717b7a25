import Foundation
import NIOCore
@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

/// `offsets.retention.minutes` (KIP-211) in the coordinator, on a manual clock: Empty groups lose
/// their offsets a retention after they became Empty and after the commit, then disappear; groups
/// with members keep theirs; an OffsetCommit v2-v4 retention wins; restarts keep the timestamps.
@Suite struct OffsetExpiryTests {
    typealias Harness = GroupCoordinatorTests.Harness
    static let retention: Int64 = 60_000

    /// One member joins "g" and gets generation 1 (Stable); returns its id. `subscription`, when
    /// given, is the member's consumer-protocol metadata (otherwise bytes no parser reads).
    private func stableMember(_ coordinator: GroupCoordinator, _ harness: Harness, subscription: ByteBuffer? = nil) async throws -> String {
        var request = ConsumerGroupTests.request(client: "a")
        if let subscription { request.protocols = [GroupMember.SupportedProtocol(name: "range", metadata: subscription)] }
        let first = await coordinator.join(groupID: "g", request)
        try #require(first.error == .memberIdRequired)
        let id = first.memberID
        request.memberID = id
        let join = Task { await coordinator.join(groupID: "g", request) }
        while coordinator.group("g")?.members[id]?.isAwaitingJoin != true { await Task.yield() }
        harness.clock.advance(by: 3_000)  // the initial rebalance delay
        coordinator.expireDeadlines()
        try #require(await join.value.generation == 1)
        _ = await coordinator.sync(groupID: "g", memberID: id, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:])
        try #require(coordinator.group("g")?.state == .stable)
        return id
    }

    private func commit(_ coordinator: GroupCoordinator, _ harness: Harness, group: String = "g", memberID: String = "", generation: Int32 = -1,
                        partition: Int32 = 0, expireAfter: Int64? = nil) async throws {
        let now = harness.clock.read()
        let error = await coordinator.commitOffsets(groupID: group, memberID: memberID, generation: generation, instanceID: nil, offsets: [
            CommittedOffset(topic: "t", partition: partition, offset: 10, commitTimestamp: now, expireTimestamp: expireAfter.map { now + $0 }),
        ])
        try #require(error == .noError)
    }

    private func leave(_ coordinator: GroupCoordinator, _ memberID: String) throws {
        try #require(coordinator.leave(groupID: "g", [ConsumerGroup.Departure(memberID: memberID)]) == [.noError])
        try #require(coordinator.group("g")?.state == .empty)
    }

    private func expire(_ coordinator: GroupCoordinator) async throws -> GroupCoordinator.OffsetExpiry {
        try await coordinator.expireOffsets(retentionMilliseconds: Self.retention)
    }

    @Test func anEmptyGroupsOffsetsExpireAfterTheRetentionAndTheGroupGoes() async throws {
        let harness = Harness()
        do {
            let coordinator = try harness.coordinator()
            let member = try await stableMember(coordinator, harness)
            try await commit(coordinator, harness, memberID: member, generation: 1)
            try leave(coordinator, member)
            harness.clock.advance(by: Self.retention - 1)
            #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry())
            #expect(coordinator.listGroups().map(\.groupID) == ["g"])
            harness.clock.advance(by: 1)
            #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["g"]))
            #expect(coordinator.listGroups().isEmpty)
            #expect(coordinator.group("g") == nil)
            #expect(try await coordinator.committedOffsets(groupID: "g").isEmpty)
            #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry())
            coordinator.close()
        }
        let restarted = try harness.coordinator()  // gone from the store too
        #expect(restarted.listGroups().isEmpty)
        restarted.close()
        try await harness.finish()
    }

    @Test func aGroupWithMembersKeepsItsOffsets() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let member = try await stableMember(coordinator, harness)
        try await commit(coordinator, harness, memberID: member, generation: 1, expireAfter: 1)
        harness.clock.advance(by: 10 * Self.retention)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry())
        #expect(try await coordinator.committedOffsets(groupID: "g").count == 1)
        #expect(coordinator.group("g")?.state == .stable)
        coordinator.close()
        try await harness.finish()
    }

    /// A consumer group with members loses, a retention after their commit, only the positions of
    /// topics no member subscribes to; its subscribed topics keep theirs however old.
    @Test func aStableGroupLosesOnlyThePositionsOfTopicsNoMemberSubscribesTo() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        var metadata = ByteBuffer()
        metadata.writeInteger(Int16(1))
        try ConsumerProtocolSubscription(topics: ["t"]).encode(into: &metadata, version: 1)
        let member = try await stableMember(coordinator, harness, subscription: metadata)
        try #require(coordinator.group("g")?.subscribedTopics == ["t"])

        let now = harness.clock.read()
        let commit = await coordinator.commitOffsets(groupID: "g", memberID: member, generation: 1, instanceID: nil, offsets: [
            CommittedOffset(topic: "t", partition: 0, offset: 10, commitTimestamp: now),
            CommittedOffset(topic: "dropped", partition: 0, offset: 20, commitTimestamp: now),
        ])
        try #require(commit == .noError)
        harness.clock.advance(by: Self.retention - 1)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry())
        harness.clock.advance(by: 1)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1))
        #expect(try await coordinator.committedOffsets(groupID: "g").map(\.topic) == ["t"])
        harness.clock.advance(by: 10 * Self.retention)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry())
        #expect(coordinator.group("g")?.state == .stable)
        coordinator.close()
        try await harness.finish()
    }

    @Test func aGroupThatBecameEmptyRecentlyKeepsOldOffsetsForARetention() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let member = try await stableMember(coordinator, harness)
        try await commit(coordinator, harness, memberID: member, generation: 1)
        harness.clock.advance(by: 5 * Self.retention)  // the commit is old, but the member is still there
        try leave(coordinator, member)
        #expect(coordinator.group("g")?.emptySince == harness.clock.read())
        harness.clock.advance(by: Self.retention - 1)
        #expect(try await expire(coordinator).expiredOffsets == 0)
        #expect(try await coordinator.committedOffsets(groupID: "g").count == 1)
        harness.clock.advance(by: 1)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["g"]))
        coordinator.close()
        try await harness.finish()
    }

    @Test func anExplicitRetentionExpiresOffsetsSoonerOrLaterThanTheDefault() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        // Standalone commits (no members ever): the commit time counts, or the explicit expiry.
        try await commit(coordinator, harness, group: "sooner", expireAfter: 1_000)
        try await commit(coordinator, harness, group: "default")
        try await commit(coordinator, harness, group: "later", expireAfter: 3 * Self.retention)
        harness.clock.advance(by: 1_000)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["sooner"]))
        harness.clock.advance(by: Self.retention - 1_000)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["default"]))
        harness.clock.advance(by: 2 * Self.retention - 1)
        #expect(try await expire(coordinator).expiredOffsets == 0)
        #expect(coordinator.listGroups().map(\.groupID) == ["later"])
        harness.clock.advance(by: 1)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["later"]))
        coordinator.close()
        try await harness.finish()
    }

    @Test func onlyTheExpiredPositionsGoAndTheGroupStaysWhileItHasOthers() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        try await commit(coordinator, harness, partition: 0)
        harness.clock.advance(by: Self.retention / 2)
        try await commit(coordinator, harness, partition: 1)
        harness.clock.advance(by: Self.retention / 2)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(expiredOffsets: 1))
        #expect(try await coordinator.committedOffsets(groupID: "g").map(\.partition) == [1])
        #expect(coordinator.listGroups().map(\.groupID) == ["g"])
        coordinator.close()
        try await harness.finish()
    }

    @Test func anEmptyGroupWithoutOffsetsGoesAtTheNextPass() async throws {
        let harness = Harness()
        let coordinator = try harness.coordinator()
        let member = try await stableMember(coordinator, harness)
        try leave(coordinator, member)
        #expect(try await expire(coordinator) == GroupCoordinator.OffsetExpiry(removedGroups: ["g"]))
        #expect(coordinator.listGroups().isEmpty)
        coordinator.close()
        try await harness.finish()
    }

    @Test func aRestartKeepsWhenTheGroupBecameEmptyAndExplicitExpiries() async throws {
        let harness = Harness()
        let emptiedAt: Int64
        do {
            let coordinator = try harness.coordinator()
            let member = try await stableMember(coordinator, harness)
            try await commit(coordinator, harness, memberID: member, generation: 1, partition: 0)
            try await commit(coordinator, harness, memberID: member, generation: 1, partition: 1, expireAfter: 4 * Self.retention)
            harness.clock.advance(by: 2 * Self.retention)
            try leave(coordinator, member)
            emptiedAt = harness.clock.read()
            coordinator.close()
        }
        harness.clock.advance(by: Self.retention - 1)
        let restarted = try harness.coordinator()
        #expect(restarted.group("g")?.state == .empty)
        #expect(restarted.group("g")?.emptySince == emptiedAt)
        #expect(try await restarted.expireOffsets(retentionMilliseconds: Self.retention).expiredOffsets == 0)
        harness.clock.advance(by: 1)
        // Partition 0 counts from the group becoming Empty; partition 1 keeps its explicit expiry.
        #expect(try await restarted.expireOffsets(retentionMilliseconds: Self.retention).expiredOffsets == 1)
        #expect(try await restarted.committedOffsets(groupID: "g").map(\.partition) == [1])
        harness.clock.advance(by: Self.retention)
        #expect(try await restarted.expireOffsets(retentionMilliseconds: Self.retention)
            == GroupCoordinator.OffsetExpiry(expiredOffsets: 1, removedGroups: ["g"]))
        restarted.close()
        try await harness.finish()
    }

    @Test func offsetCommitRetentionTimeCountsOnlyForVersionsTwoToFour() {
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: 5_000, version: 2, now: 1_000) == 6_000)
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: 5_000, version: 4, now: 1_000) == 6_000)
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: -1, version: 3, now: 1_000) == nil)
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: 5_000, version: 1, now: 1_000) == nil)
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: 5_000, version: 5, now: 1_000) == nil)
        #expect(OffsetCommitHandler.expireTimestamp(retentionTimeMilliseconds: .max, version: 2, now: 1_000) == .max)
    }
}
