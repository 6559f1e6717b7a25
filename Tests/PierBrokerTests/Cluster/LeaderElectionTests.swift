@testable import PierBroker
import PierCoordination
import Testing

@Suite struct LeaderElectionTests {
    private let replicas: [Int32] = [1, 2, 3]

    private func state(leader: Int32, epoch: Int32 = 4, isr: [Int32]) -> PartitionState {
        PartitionState(leader: leader, leaderEpoch: epoch, isr: isr, controllerEpoch: 1)
    }

    @Test func aLiveLeaderWithAllFollowersStands() {
        #expect(LeaderElection.afterBrokerChange(replicas: replicas, state: state(leader: 1, isr: [1, 2, 3]), liveBrokers: [1, 2, 3],
                                                 uncleanAllowed: false, controllerEpoch: 7) == nil)
    }

    @Test func aFollowerThatWentLeavesTheISRWithoutANewEpoch() throws {
        let decision = try #require(LeaderElection.afterBrokerChange(
            replicas: replicas, state: state(leader: 1, isr: [1, 2, 3]), liveBrokers: [1, 3], uncleanAllowed: false, controllerEpoch: 7))
        #expect(decision.state == PartitionState(leader: 1, leaderEpoch: 4, isr: [1, 3], controllerEpoch: 7))
        #expect(decision.reason == .followerWentAway)
    }

    @Test func theNextLeaderIsTheFirstLiveInSyncReplicaInAssignmentOrder() throws {
        // Broker 3 is live but out of sync; broker 2 is in sync: 2 leads, whatever the ISR's order.
        let decision = try #require(LeaderElection.afterBrokerChange(
            replicas: [1, 3, 2], state: state(leader: 1, isr: [2, 1]), liveBrokers: [2, 3], uncleanAllowed: false, controllerEpoch: 7))
        #expect(decision.state == PartitionState(leader: 2, leaderEpoch: 5, isr: [2], controllerEpoch: 7))
        #expect(decision.reason == .leaderWentAway)
    }

    @Test func withNoLiveInSyncReplicaThePartitionStaysLeaderlessAndKeepsItsISR() throws {
        let decision = try #require(LeaderElection.afterBrokerChange(
            replicas: replicas, state: state(leader: 1, isr: [1]), liveBrokers: [2, 3], uncleanAllowed: false, controllerEpoch: 7))
        #expect(decision.state == PartitionState(leader: -1, leaderEpoch: 5, isr: [1], controllerEpoch: 7))
        // Nothing more to do until that replica returns...
        #expect(LeaderElection.afterBrokerChange(replicas: replicas, state: decision.state, liveBrokers: [2, 3],
                                                 uncleanAllowed: false, controllerEpoch: 7) == nil)
        // ...and when it does, it leads again in a new epoch.
        let back = try #require(LeaderElection.afterBrokerChange(replicas: replicas, state: decision.state, liveBrokers: [1, 2, 3],
                                                                 uncleanAllowed: false, controllerEpoch: 8))
        #expect(back.state == PartitionState(leader: 1, leaderEpoch: 6, isr: [1], controllerEpoch: 8))
        #expect(back.reason == .inSyncReplicaReturned)
    }

    @Test func uncleanElectionTakesAnyLiveReplicaOnlyWhenAllowed() throws {
        let decision = try #require(LeaderElection.afterBrokerChange(
            replicas: replicas, state: state(leader: 1, isr: [1]), liveBrokers: [3, 2], uncleanAllowed: true, controllerEpoch: 7))
        #expect(decision.state == PartitionState(leader: 2, leaderEpoch: 5, isr: [2], controllerEpoch: 7))
        #expect(decision.reason == .unclean)
    }

    @Test func leadershipGoesBackToThePreferredReplicaOnceItIsInSync() throws {
        let away = state(leader: 2, isr: [2, 3])
        #expect(LeaderElection.towardPreferredReplica(replicas: replicas, state: away, liveBrokers: [1, 2, 3], controllerEpoch: 7) == nil,
                "broker 1 is live but not in sync yet")
        let decision = try #require(LeaderElection.towardPreferredReplica(
            replicas: replicas, state: state(leader: 2, isr: [2, 3, 1]), liveBrokers: [1, 2, 3], controllerEpoch: 7))
        #expect(decision.state == PartitionState(leader: 1, leaderEpoch: 5, isr: [2, 3, 1], controllerEpoch: 7))
        #expect(LeaderElection.towardPreferredReplica(replicas: replicas, state: state(leader: 1, isr: [1, 2]), liveBrokers: [1, 2],
                                                      controllerEpoch: 7) == nil, "already preferred")
    }
}
