import NIOCore
@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

/// The transitions and timeouts `ConsumerGroupTests` leaves out: rebalances started from
/// CompletingRebalance and Stable, a silent leader, a join phase nobody finishes, fencing of static
/// members, the Dead state, and groups restored at start.
@Suite struct ConsumerGroupTransitionTests {
    typealias Group = ConsumerGroup
    typealias Helpers = ConsumerGroupTests

    /// Two members past the join phase: CompletingRebalance at generation 1, nobody synced yet.
    static func completingGroupOfTwo() -> (group: Group, leader: String, follower: String) {
        var group = Group(groupID: "g", settings: Helpers.settings)
        let a = Helpers.admit(&group, client: "a", now: 0)
        let b = Helpers.admit(&group, client: "b", now: 0)
        #expect(Helpers.joins(group.expire(now: 3_000)).count == 2)
        #expect(group.state == .completingRebalance)
        return (group, a, b)
    }

    @Test func aJoinDuringCompletingRebalanceStartsAnotherRebalance() {
        var (group, leader, follower) = Self.completingGroupOfTwo()
        let (wait, _) = group.sync(memberID: follower, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 3_100)
        #expect(wait == .wait)
        let (required, _) = group.join(Helpers.request(client: "c"), now: 3_200)
        guard case .respond(let first) = required else { Issue.record("expected MEMBER_ID_REQUIRED"); return }
        let (_, completions) = group.join(Helpers.request(first.memberID, client: "c"), now: 3_200)
        // The follower's waiting SyncGroup is answered so that it rejoins.
        #expect(Helpers.syncs(completions)[follower] == .failure(.rebalanceInProgress))
        #expect(group.state == .preparingRebalance)
        _ = group.join(Helpers.request(leader, client: "a"), now: 3_300)
        let joined = Helpers.joins(group.join(Helpers.request(follower, client: "b"), now: 3_400).1)
        #expect(Set(joined.keys) == [leader, follower, first.memberID])
        #expect(group.generation == 2)
        #expect(group.state == .completingRebalance)
    }

    @Test func everyoneLeavingDuringCompletingRebalanceEmptiesTheGroup() {
        var (group, leader, follower) = Self.completingGroupOfTwo()
        let (errors, _) = group.leave([Group.Departure(memberID: leader), Group.Departure(memberID: follower)], now: 3_100)
        #expect(errors == [.noError, .noError])
        #expect(group.state == .empty && group.members.isEmpty)
        #expect(group.generation == 2)
    }

    @Test func theInitialDelayKeepsExtendingOnlyUpToTheRebalanceTimeout() {
        var group = Group(groupID: "g", settings: Helpers.settings)
        // An arrival every 2 s would extend the 3 s delay forever; the first member's 30 s rebalance timeout caps it.
        for now in stride(from: Int64(0), through: 28_000, by: 2_000) {
            _ = Helpers.admit(&group, client: "m\(now)", now: now)
            #expect(group.expire(now: now + 1).isEmpty)
        }
        #expect(group.expire(now: 29_999).isEmpty)
        let joined = Helpers.joins(group.expire(now: 30_000))
        #expect(joined.count == 15)
        #expect(group.state == .completingRebalance && group.generation == 1)
    }

    @Test func aLeaderThatNeverSyncsLosesItsSessionAndTheFollowerLeadsTheNextGeneration() {
        var (group, leader, follower) = Self.completingGroupOfTwo()
        _ = group.sync(memberID: follower, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 3_100)
        #expect(group.heartbeat(memberID: follower, generation: 1, instanceID: nil, now: 12_000) == .noError)
        #expect(group.expire(now: 12_999).isEmpty)  // the leader's session (10 s) runs from the join response at 3 000
        let completions = group.expire(now: 13_000)
        #expect(group.members[leader] == nil)
        #expect(Helpers.syncs(completions)[follower] == .failure(.rebalanceInProgress))
        #expect(group.state == .preparingRebalance)
        let joined = Helpers.joins(group.join(Helpers.request(follower, client: "b"), now: 13_100).1)
        #expect(joined[follower]?.generation == 2)
        #expect(joined[follower]?.leaderID == follower)
    }

    @Test func aJoinPhaseNobodyRejoinsEndsEmptyAtTheRebalanceTimeout() {
        var (group, leader, follower) = Helpers.stableGroupOfTwo()
        _ = group.leave([Group.Departure(memberID: follower)], now: 5_000)
        #expect(group.state == .preparingRebalance)
        // The leader heartbeats (so its session holds) but never rejoins; the 30 s rebalance timeout ends the phase.
        for now in stride(from: Int64(8_000), through: 32_000, by: 8_000) {
            #expect(group.heartbeat(memberID: leader, generation: 1, instanceID: nil, now: now) == .rebalanceInProgress)
            #expect(group.expire(now: now).isEmpty)
        }
        #expect(group.expire(now: 34_999).isEmpty)
        _ = group.expire(now: 35_000)
        #expect(group.state == .empty)
        #expect(group.members.isEmpty)
        #expect(group.generation == 2)
        #expect(group.heartbeat(memberID: leader, generation: 1, instanceID: nil, now: 35_100) == .unknownMemberId)
    }

    @Test func membersWaitingInAJoinPhaseAreNotExpiredByTheirSession() {
        var (group, leader, follower) = Helpers.stableGroupOfTwo()
        let c = Helpers.admit(&group, client: "c", now: 10_000)
        _ = group.join(Helpers.request(leader, client: "a"), now: 10_100)
        // c's and the leader's sessions (10 s) lapse while they wait for the follower: only the
        // rebalance deadline (40 000) may drop them.
        for now in [Int64(12_000), 19_000, 26_000] {
            #expect(group.heartbeat(memberID: follower, generation: 1, instanceID: nil, now: now) == .rebalanceInProgress)
            #expect(group.expire(now: now).isEmpty)
        }
        let joined = Helpers.joins(group.join(Helpers.request(follower, client: "b"), now: 26_100).1)
        #expect(Set(joined.keys) == [leader, follower, c])
    }

    @Test func newMetadataInStableStartsARebalanceAndTheLeaderRejoiningDoesToo() {
        var (group, _, follower) = Helpers.stableGroupOfTwo()
        let (same, _) = group.join(Helpers.request(follower, client: "b"), now: 5_000)
        guard case .respond(let unchanged) = same else { Issue.record("a follower rejoining unchanged is answered at once"); return }
        #expect(unchanged.generation == 1 && group.state == .stable)

        let (changed, _) = group.join(Helpers.request(follower, client: "b", metadata: "new-topics"), now: 5_100)
        #expect(changed == .wait(memberID: follower))
        #expect(group.state == .preparingRebalance)

        var (other, otherLeader, _) = Helpers.stableGroupOfTwo()
        #expect(other.join(Helpers.request(otherLeader, client: "a"), now: 5_000).0 == .wait(memberID: otherLeader))
        #expect(other.state == .preparingRebalance)
    }

    @Test func aStaticLeaderRestartingBeforeJoinGroupV9IsToldTheOldLeaderID() {
        guard let (stable, oldID) = Helpers.stableStaticMember(assignment: ByteBuffer(string: "P0")) else { return }
        var group = stable

        var old = Helpers.request(instance: "host-1", client: "s")
        old.supportsSkipAssignment = false
        let (rejoin, _) = group.join(old, now: 20_000)
        guard case .respond(let result) = rejoin else { Issue.record("expected an immediate answer"); return }
        #expect(result.error == .noError && result.generation == 1)
        #expect(result.leaderID == oldID && result.memberID != oldID)  // so it does not run the assignor
        #expect(result.members.isEmpty && !result.skipAssignment)
        #expect(group.leaderID == result.memberID)
        #expect(group.state == .stable)
    }

    @Test func aFencedStaticIncarnationIsRefusedEverywhere() {
        guard let (stable, oldID) = Helpers.stableStaticMember() else { return }
        var group = stable
        guard case .respond(let newer) = group.join(Helpers.request(instance: "host-1", client: "s"), now: 4_000).0 else {
            Issue.record("expected an immediate answer"); return
        }
        #expect(group.join(Helpers.request(oldID, instance: "host-1", client: "s"), now: 4_100).0
            == .respond(.failure(.fencedInstanceId, memberID: oldID)))
        #expect(group.sync(memberID: oldID, generation: 1, instanceID: "host-1", protocolType: nil, protocolName: nil, assignments: [:], now: 4_100).0
            == .respond(.failure(.fencedInstanceId)))
        #expect(group.heartbeat(memberID: oldID, generation: 1, instanceID: "host-1", now: 4_100) == .fencedInstanceId)
        #expect(group.validateOffsetCommit(memberID: oldID, generation: 1, instanceID: "host-1", now: 4_100) == .fencedInstanceId)
        #expect(group.leave([Group.Departure(memberID: oldID, groupInstanceID: "host-1")], now: 4_100).errors == [.fencedInstanceId])
        #expect(group.heartbeat(memberID: newer.memberID, generation: 1, instanceID: "host-1", now: 4_200) == .noError)

        // Once the instance's session lapses nobody holds it: the member is unknown and may rejoin (not fenced, which is fatal).
        _ = group.expire(now: 14_200)
        #expect(group.members.isEmpty)
        #expect(group.heartbeat(memberID: newer.memberID, generation: 1, instanceID: "host-1", now: 14_300) == .unknownMemberId)
        #expect(group.join(Helpers.request(newer.memberID, instance: "host-1", client: "s"), now: 14_300).0
            == .respond(.failure(.unknownMemberId, memberID: newer.memberID)))
    }

    @Test func aStaticMemberRestartingDuringCompletingRebalanceForcesARebalance() {
        var group = Group(groupID: "g", settings: Helpers.settings)
        let leader = Helpers.admit(&group, client: "d", now: 0)
        let (first, _) = group.join(Helpers.request(instance: "host-1", client: "s"), now: 0)
        guard case .wait(let oldID) = first else { Issue.record("static members join without MEMBER_ID_REQUIRED"); return }
        #expect(Helpers.joins(group.expire(now: 3_000)).count == 2)
        let (waiting, _) = group.sync(memberID: oldID, generation: 1, instanceID: "host-1", protocolType: nil, protocolName: nil,
                                      assignments: [:], now: 3_050)
        #expect(waiting == .wait)

        // The assignment the leader is computing names the old id: the group must rebalance.
        let (rejoin, completions) = group.join(Helpers.request(instance: "host-1", client: "s"), now: 3_100)
        guard case .wait(let newID) = rejoin else { Issue.record("a static member restarting mid-assignment waits for a join phase"); return }
        #expect(newID != oldID)
        #expect(Helpers.syncs(completions)[oldID] == .failure(.fencedInstanceId))
        #expect(group.state == .preparingRebalance)
        let joined = Helpers.joins(group.join(Helpers.request(leader, client: "d"), now: 3_200).1)
        #expect(Set(joined.keys) == [leader, newID])
        #expect(group.generation == 2)
    }

    @Test func aDeadGroupRefusesEverything() {
        var group = Group(groupID: "g", settings: Helpers.settings)
        #expect(group.markDeleted() == .noError)
        #expect(group.sync(memberID: "m", generation: 0, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 0).0
            == .respond(.failure(.coordinatorNotAvailable)))
        #expect(group.heartbeat(memberID: "m", generation: 0, instanceID: nil, now: 0) == .coordinatorNotAvailable)
        #expect(group.leave([Group.Departure(memberID: "m")], now: 0).errors == [.coordinatorNotAvailable])
        #expect(group.validateOffsetCommit(memberID: "", generation: -1, instanceID: nil, now: 0) == .coordinatorNotAvailable)
        #expect(group.expire(now: 1_000_000).isEmpty)
        #expect(group.markDeleted() == .groupIdNotFound)
        #expect(group.state == .dead)
    }

    static func stored(members: [StoredGroup.Member]) -> StoredGroup {
        StoredGroup(groupID: "g", protocolType: "consumer", protocolName: "range", generation: 7, leaderID: members.first?.memberID,
                    state: members.isEmpty ? "Empty" : "Stable", members: members)
    }

    static func storedMember(_ id: String) -> StoredGroup.Member {
        StoredGroup.Member(memberID: id, groupInstanceID: nil, clientID: "c", clientHost: "/127.0.0.1", sessionTimeoutMilliseconds: 10_000,
                           rebalanceTimeoutMilliseconds: 30_000, protocolMetadata: Array("m-range".utf8), assignment: Array("P".utf8))
    }

    @Test func aRestoredGroupResumesStableAndItsSilentMembersExpire() {
        let emptyGroup = Group(restoring: Self.stored(members: []), settings: Helpers.settings, now: 0)
        #expect(emptyGroup.state == .empty && emptyGroup.generation == 7)

        var group = Group(restoring: Self.stored(members: [Self.storedMember("a"), Self.storedMember("b")]), settings: Helpers.settings, now: 100_000)
        #expect(group.state == .stable && group.generation == 7 && group.leaderID == "a")
        #expect(group.heartbeat(memberID: "a", generation: 7, instanceID: nil, now: 105_000) == .noError)
        let (sync, _) = group.sync(memberID: "a", generation: 7, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 105_000)
        #expect(sync == .respond(Group.SyncResult(protocolType: "consumer", protocolName: "range", assignment: ByteBuffer(string: "P"))))
        // b never comes back: its session, counted from the restart, lapses and a rebalances alone.
        #expect(group.expire(now: 109_999).isEmpty)
        _ = group.expire(now: 110_000)
        #expect(group.members["b"] == nil)
        #expect(group.state == .preparingRebalance)
        let joined = ConsumerGroupTests.joins(group.join(Helpers.request("a", client: "c"), now: 110_100).1)
        #expect(joined["a"]?.generation == 8)
    }
}
