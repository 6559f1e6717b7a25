import NIOCore
@testable import PierBroker
import PierProtocol
import Testing

/// Every transition and timeout of the classic group protocol, without clocks or sockets.
@Suite struct ConsumerGroupTests {
    typealias Group = ConsumerGroup

    static let settings = Group.Settings(minimumSessionTimeoutMilliseconds: 6_000, maximumSessionTimeoutMilliseconds: 300_000,
                                         initialRebalanceDelayMilliseconds: 3_000)

    static func request(_ memberID: String = "", instance: String? = nil, client: String = "c", protocols: [String] = ["range"],
                        metadata: String = "m", session: Int64 = 10_000, rebalance: Int64 = 30_000, version4: Bool = true) -> Group.JoinRequest {
        Group.JoinRequest(memberID: memberID, groupInstanceID: instance, clientID: client, clientHost: "/127.0.0.1",
                          sessionTimeoutMilliseconds: session, rebalanceTimeoutMilliseconds: rebalance, protocolType: "consumer",
                          protocols: protocols.map { GroupMember.SupportedProtocol(name: $0, metadata: ByteBuffer(string: metadata + "-" + $0)) },
                          requiresKnownMemberID: version4, supportsSkipAssignment: true)
    }

    /// KIP-394 first: MEMBER_ID_REQUIRED with an id, then the real join, which waits.
    static func admit(_ group: inout Group, client: String, now: Int64, protocols: [String] = ["range"]) -> String {
        let (first, _) = group.join(request(client: client, protocols: protocols), now: now)
        guard case .respond(let required) = first, required.error == .memberIdRequired else {
            Issue.record("expected MEMBER_ID_REQUIRED, got \(first)")
            return ""
        }
        let (second, completions) = group.join(request(required.memberID, client: client, protocols: protocols), now: now)
        #expect(second == .wait(memberID: required.memberID))
        #expect(completions.isEmpty)
        return required.memberID
    }

    static func joins(_ completions: [Group.Completion]) -> [String: Group.JoinResult] {
        Dictionary(uniqueKeysWithValues: completions.compactMap { if case let .join(id, result) = $0 { (id, result) } else { nil } })
    }

    static func syncs(_ completions: [Group.Completion]) -> [String: Group.SyncResult] {
        Dictionary(uniqueKeysWithValues: completions.compactMap { if case let .sync(id, result) = $0 { (id, result) } else { nil } })
    }

    /// Two members through the initial delay, join and sync: a stable group at generation 1.
    static func stableGroupOfTwo() -> (group: Group, leader: String, follower: String) {
        var group = Group(groupID: "g", settings: settings)
        let a = admit(&group, client: "a", now: 0)
        let b = admit(&group, client: "b", now: 1_000)
        let joined = joins(group.expire(now: 4_000))
        #expect(joined.count == 2)
        let (followerSync, none) = group.sync(memberID: b, generation: 1, instanceID: nil, protocolType: "consumer", protocolName: "range", assignments: [:], now: 4_100)
        #expect(followerSync == .wait && none.isEmpty)
        let (_, synced) = group.sync(memberID: a, generation: 1, instanceID: nil, protocolType: "consumer", protocolName: "range",
                                     assignments: [a: ByteBuffer(string: "A"), b: ByteBuffer(string: "B")], now: 4_200)
        #expect(syncs(synced).count == 2)
        #expect(group.state == .stable)
        return (group, a, b)
    }

    /// One static member ("host-1") through join and sync: a stable group at generation 1; nil (with
    /// an issue recorded) if it had to go through MEMBER_ID_REQUIRED.
    static func stableStaticMember(assignment: ByteBuffer = ByteBuffer()) -> (group: Group, memberID: String)? {
        var group = Group(groupID: "g", settings: settings)
        let (first, _) = group.join(request(instance: "host-1", client: "s"), now: 0)
        guard case .wait(let memberID) = first else { Issue.record("static members join without MEMBER_ID_REQUIRED"); return nil }
        _ = group.expire(now: 3_000)
        _ = group.sync(memberID: memberID, generation: 1, instanceID: "host-1", protocolType: nil, protocolName: nil,
                       assignments: [memberID: assignment], now: 3_100)
        #expect(group.state == .stable)
        return (group, memberID)
    }

    @Test func newDynamicMemberIsToldItsIdFirst() {
        var group = Group(groupID: "g", settings: Self.settings)
        let (outcome, completions) = group.join(Self.request(client: "rdkafka"), now: 0)
        guard case .respond(let result) = outcome else { Issue.record("expected an immediate answer"); return }
        #expect(result.error == .memberIdRequired)
        #expect(result.memberID.hasPrefix("rdkafka-"))
        #expect(completions.isEmpty)
        #expect(group.state == .empty)
        #expect(group.pendingMembers[result.memberID] == 10_000)
    }

    @Test func oldClientsJoinWithoutTheMemberIdRoundTrip() {
        var group = Group(groupID: "g", settings: Self.settings)
        let (outcome, _) = group.join(Self.request(version4: false), now: 0)
        guard case .wait(let id) = outcome else { Issue.record("expected to wait"); return }
        #expect(group.members[id] != nil)
        #expect(group.state == .preparingRebalance)
    }

    @Test func theFirstRebalanceWaitsOutTheInitialDelayThenNamesTheLeader() {
        var group = Group(groupID: "g", settings: Self.settings)
        let a = Self.admit(&group, client: "a", now: 0)
        #expect(group.state == .preparingRebalance)
        #expect(group.expire(now: 2_999).isEmpty)  // everyone has joined, but the initial delay holds
        let b = Self.admit(&group, client: "b", now: 2_000)  // a second arrival extends the delay
        #expect(group.expire(now: 4_999).isEmpty)
        let joined = Self.joins(group.expire(now: 5_000))
        #expect(group.state == .completingRebalance)
        #expect(group.generation == 1)
        #expect(group.leaderID == a)
        #expect(joined[a]?.members.map(\.memberID) == [a, b])
        #expect(joined[a]?.members.first?.metadata == ByteBuffer(string: "m-range"))
        #expect(joined[b]?.members.isEmpty == true)
        #expect(joined[b]?.leaderID == a)
        #expect(joined[b]?.protocolName == "range")
    }

    @Test func followersWaitForTheLeadersAssignment() {
        let (group, leader, follower) = Self.stableGroupOfTwo()
        var copy = group
        let (answer, _) = copy.sync(memberID: follower, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 5_000)
        #expect(answer == .respond(Group.SyncResult(protocolType: "consumer", protocolName: "range", assignment: ByteBuffer(string: "B"))))
        #expect(group.members[leader]?.assignment == ByteBuffer(string: "A"))
    }

    @Test func heartbeatsReportGenerationAndMembership() {
        var (group, leader, _) = Self.stableGroupOfTwo()
        #expect(group.heartbeat(memberID: leader, generation: 1, instanceID: nil, now: 5_000) == .noError)
        #expect(group.heartbeat(memberID: leader, generation: 0, instanceID: nil, now: 5_000) == .illegalGeneration)
        #expect(group.heartbeat(memberID: "stranger", generation: 1, instanceID: nil, now: 5_000) == .unknownMemberId)
    }

    @Test func aNewMemberStartsARebalanceThatCompletesOnceEveryoneRejoined() {
        var (group, leader, follower) = Self.stableGroupOfTwo()
        let c = Self.admit(&group, client: "c", now: 10_000)
        #expect(group.state == .preparingRebalance)
        #expect(group.heartbeat(memberID: follower, generation: 1, instanceID: nil, now: 10_100) == .rebalanceInProgress)
        let (syncDuringRebalance, _) = group.sync(memberID: follower, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 10_100)
        #expect(syncDuringRebalance == .respond(.failure(.rebalanceInProgress)))
        #expect(group.join(Self.request(leader, client: "a"), now: 10_200).1.isEmpty)
        let (_, completions) = group.join(Self.request(follower, client: "b"), now: 10_300)
        let joined = Self.joins(completions)
        #expect(Set(joined.keys) == [leader, follower, c])
        #expect(group.generation == 2)
        #expect(joined[leader]?.members.count == 3)
    }

    @Test func membersThatDoNotRejoinByTheDeadlineAreDropped() {
        var (group, leader, follower) = Self.stableGroupOfTwo()
        let c = Self.admit(&group, client: "c", now: 10_000)
        _ = group.join(Self.request(leader, client: "a"), now: 10_100)
        // The follower stays alive (heartbeats) but never rejoins.
        for now in stride(from: Int64(12_000), through: 36_000, by: 8_000) {
            #expect(group.heartbeat(memberID: follower, generation: 1, instanceID: nil, now: now) == .rebalanceInProgress)
            #expect(group.expire(now: now).isEmpty)
        }
        #expect(group.expire(now: 39_999).isEmpty)  // rebalance timeout 30 s
        let joined = Self.joins(group.expire(now: 40_000))
        #expect(Set(joined.keys) == [leader, c])
        #expect(group.members[follower] == nil)
    }

    @Test func aLapsedSessionRemovesTheMemberAndRebalances() {
        var (group, leader, follower) = Self.stableGroupOfTwo()
        #expect(group.heartbeat(memberID: leader, generation: 1, instanceID: nil, now: 12_000) == .noError)
        _ = group.expire(now: 14_200)  // the follower's last contact was its sync at 4 100, session 10 s
        #expect(group.members[follower] == nil)
        #expect(group.state == .preparingRebalance)
        let (_, completions) = group.join(Self.request(leader, client: "a"), now: 14_300)
        #expect(Self.joins(completions)[leader]?.generation == 2)
    }

    @Test func leavingRebalancesAndTheLastToLeaveEmptiesTheGroup() {
        var (group, leader, follower) = Self.stableGroupOfTwo()
        let (errors, _) = group.leave([Group.Departure(memberID: follower), Group.Departure(memberID: "ghost")], now: 5_000)
        #expect(errors == [.noError, .unknownMemberId])
        #expect(group.state == .preparingRebalance)
        let (lastErrors, _) = group.leave([Group.Departure(memberID: leader)], now: 5_100)
        #expect(lastErrors == [.noError])
        #expect(group.state == .empty)
        #expect(group.generation == 2)
        #expect(group.leaderID == nil)
    }

    @Test func theGroupRemembersWhenItLastBecameEmpty() {
        var group = Group(groupID: "g", settings: Self.settings)
        #expect(group.emptySince == nil)  // never had members: offset expiry counts from the commits
        let a = Self.admit(&group, client: "a", now: 0)
        _ = group.expire(now: 3_000)
        #expect(group.state == .completingRebalance && group.emptySince == nil)
        _ = group.leave([Group.Departure(memberID: a)], now: 4_000)
        #expect(group.state == .empty && group.emptySince == 4_000)
        #expect(group.stored.emptySince == 4_000)
        #expect(Group(restoring: group.stored, settings: Self.settings, now: 9_000).emptySince == 4_000)
        _ = Self.admit(&group, client: "b", now: 5_000)
        #expect(group.state == .preparingRebalance && group.emptySince == nil)
    }

    @Test func aLeaveReleasesTheLeaversWaitingJoinWithAnError() {
        var group = Group(groupID: "g", settings: Self.settings)
        let a = Self.admit(&group, client: "a", now: 0)
        let (_, completions) = group.leave([Group.Departure(memberID: a)], now: 100)
        #expect(Self.joins(completions)[a]?.error == .unknownMemberId)
        #expect(group.state == .empty)
    }

    @Test func aRebalanceReleasesWaitingSyncsWithRebalanceInProgress() {
        var group = Group(groupID: "g", settings: Self.settings)
        let a = Self.admit(&group, client: "a", now: 0)
        let b = Self.admit(&group, client: "b", now: 0)
        _ = group.expire(now: 3_000)
        _ = group.sync(memberID: b, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 3_100)
        let (_, completions) = group.leave([Group.Departure(memberID: a)], now: 3_200)
        // b was waiting for a's assignment; the rebalance answers it, then b alone completes the join.
        #expect(Self.syncs(completions)[b] == .failure(.rebalanceInProgress))
        #expect(group.state == .preparingRebalance)
    }

    @Test func aStaticMemberRestartingKeepsItsAssignmentWithoutARebalance() {
        guard let (stable, oldID) = Self.stableStaticMember(assignment: ByteBuffer(string: "P0")) else { return }
        var group = stable

        let (rejoin, _) = group.join(Self.request(instance: "host-1", client: "s"), now: 20_000)
        guard case .respond(let result) = rejoin else { Issue.record("expected an immediate answer"); return }
        #expect(result.error == .noError)
        #expect(result.memberID != oldID)
        #expect(result.generation == 1)
        #expect(result.skipAssignment)  // it was the leader
        #expect(group.state == .stable)
        let (sync, _) = group.sync(memberID: result.memberID, generation: 1, instanceID: "host-1", protocolType: nil, protocolName: nil, assignments: [:], now: 20_100)
        #expect(sync == .respond(Group.SyncResult(protocolType: "consumer", protocolName: "range", assignment: ByteBuffer(string: "P0"))))
        // The old incarnation is fenced.
        #expect(group.heartbeat(memberID: oldID, generation: 1, instanceID: "host-1", now: 20_200) == .fencedInstanceId)
    }

    @Test func theProtocolMostMembersPreferAndAllSupportIsChosen() {
        var group = Group(groupID: "g", settings: Self.settings)
        _ = Self.admit(&group, client: "a", now: 0, protocols: ["range", "roundrobin"])
        _ = Self.admit(&group, client: "b", now: 0, protocols: ["roundrobin", "range"])
        _ = Self.admit(&group, client: "c", now: 0, protocols: ["roundrobin"])
        _ = group.expire(now: 3_000)
        #expect(group.protocolName == "roundrobin")
    }

    @Test func incompatibleProtocolsAndTimeoutsAreRefused() {
        var group = Group(groupID: "g", settings: Self.settings)
        _ = Self.admit(&group, client: "a", now: 0, protocols: ["range"])
        let (mismatch, _) = group.join(Self.request(client: "b", protocols: ["cooperative-sticky"]), now: 10)
        #expect(mismatch == .respond(.failure(.inconsistentGroupProtocol)))
        let (tooShort, _) = group.join(Self.request(client: "c", session: 1_000), now: 10)
        #expect(tooShort == .respond(.failure(.invalidSessionTimeout)))
    }

    @Test func aLostJoinResponseIsSentAgainDuringCompletingRebalance() {
        var group = Group(groupID: "g", settings: Self.settings)
        let a = Self.admit(&group, client: "a", now: 0)
        _ = group.expire(now: 3_000)
        let (again, _) = group.join(Self.request(a, client: "a"), now: 3_500)
        guard case .respond(let result) = again else { Issue.record("expected the join response again"); return }
        #expect(result.generation == 1)
        #expect(result.members.map(\.memberID) == [a])
        #expect(group.state == .completingRebalance)
    }

    @Test func unusedMemberIdsLapseAfterTheSessionTimeout() {
        var group = Group(groupID: "g", settings: Self.settings)
        let (outcome, _) = group.join(Self.request(client: "a"), now: 0)
        guard case .respond(let required) = outcome else { return }
        _ = group.expire(now: 10_001)
        let (late, _) = group.join(Self.request(required.memberID, client: "a"), now: 10_002)
        #expect(late == .respond(.failure(.unknownMemberId, memberID: required.memberID)))
    }

    @Test func offsetCommitsFollowKafkasMembershipRules() {
        var empty = Group(groupID: "g", settings: Self.settings)
        #expect(empty.validateOffsetCommit(memberID: "", generation: -1, instanceID: nil, now: 0) == .noError)

        var group = Group(groupID: "g", settings: Self.settings)
        let a = Self.admit(&group, client: "a", now: 0)
        #expect(group.validateOffsetCommit(memberID: "", generation: -1, instanceID: nil, now: 0) == .unknownMemberId)
        _ = group.expire(now: 3_000)
        #expect(group.validateOffsetCommit(memberID: a, generation: 1, instanceID: nil, now: 3_100) == .rebalanceInProgress)
        _ = group.sync(memberID: a, generation: 1, instanceID: nil, protocolType: nil, protocolName: nil, assignments: [:], now: 3_200)
        #expect(group.validateOffsetCommit(memberID: a, generation: 1, instanceID: nil, now: 3_300) == .noError)
        #expect(group.validateOffsetCommit(memberID: a, generation: 0, instanceID: nil, now: 3_300) == .illegalGeneration)
    }

    @Test func onlyAnEmptyGroupCanBeDeletedAndADeletedGroupRefusesJoins() {
        var (group, _, _) = Self.stableGroupOfTwo()
        #expect(group.markDeleted() == .nonEmptyGroup)
        var empty = Group(groupID: "e", settings: Self.settings)
        #expect(empty.markDeleted() == .noError)
        #expect(empty.state == .dead)
        #expect(empty.join(Self.request(), now: 0).0 == .respond(.failure(.coordinatorNotAvailable)))
    }
}
