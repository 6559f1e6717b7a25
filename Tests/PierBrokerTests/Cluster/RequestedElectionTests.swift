@testable import PierBroker
import PierCoordination
import Testing

/// ElectLeaders' decisions (`LeaderElection.requested`), as Kafka's controller makes them, without a store.
@Suite struct RequestedElectionTests {
    private let replicas: [Int32] = [1, 2, 3]

    private func state(leader: Int32, epoch: Int32 = 4, isr: [Int32]) -> PartitionState {
        PartitionState(leader: leader, leaderEpoch: epoch, isr: isr, controllerEpoch: 1)
    }

    private func requested(_ type: LeaderElection.ElectionType, _ state: PartitionState, live: Set<Int32>)
        -> Result<LeaderElection.Decision, LeaderElection.Refusal> {
        LeaderElection.requested(type, replicas: replicas, state: state, liveBrokers: live, controllerEpoch: 9)
    }

    @Test func preferredMovesLeadershipToTheFirstReplicaWhenItIsLiveAndInSync() throws {
        let decision = try requested(.preferred, state(leader: 2, isr: [2, 1, 3]), live: [1, 2, 3]).get()
        #expect(decision.state == PartitionState(leader: 1, leaderEpoch: 5, isr: [2, 1, 3], controllerEpoch: 9))
        #expect(decision.reason == .requestedPreferred)
    }

    @Test func preferredIsNotNeededWhenThePreferredReplicaLeads() {
        #expect(requested(.preferred, state(leader: 1, isr: [1, 2, 3]), live: [1, 2, 3]) == .failure(.notNeeded))
    }

    @Test func preferredIsNotAvailableWhileThePreferredReplicaIsDownOrBehind() {
        #expect(requested(.preferred, state(leader: 2, isr: [2, 3]), live: [1, 2, 3]) == .failure(.preferredLeaderNotAvailable),
                "live but out of sync")
        #expect(requested(.preferred, state(leader: 2, isr: [2, 3, 1]), live: [2, 3]) == .failure(.preferredLeaderNotAvailable),
                "in sync but down")
    }

    @Test func uncleanIsNotNeededWhileALiveLeaderLeads() {
        #expect(requested(.unclean, state(leader: 2, isr: [2]), live: [1, 2, 3]) == .failure(.notNeeded))
    }

    @Test func uncleanPrefersALiveInSyncReplicaThenTakesAnyLiveOne() throws {
        let clean = try requested(.unclean, state(leader: -1, isr: [3]), live: [2, 3]).get()
        #expect(clean.state == PartitionState(leader: 3, leaderEpoch: 5, isr: [3], controllerEpoch: 9))
        #expect(clean.reason == .requestedUnclean)
        // The only in-sync replica is down: a live out-of-sync replica leads, the ISR is just it.
        let unclean = try requested(.unclean, state(leader: -1, isr: [1]), live: [3, 2]).get()
        #expect(unclean.state == PartitionState(leader: 2, leaderEpoch: 5, isr: [2], controllerEpoch: 9))
        // A leader on a broker that went counts as none.
        let goneLeader = try requested(.unclean, state(leader: 1, isr: [1]), live: [3]).get()
        #expect(goneLeader.state.leader == 3)
    }

    @Test func uncleanHasNoEligibleLeaderWhenNoReplicaIsLive() {
        #expect(requested(.unclean, state(leader: -1, isr: [1]), live: [4]) == .failure(.eligibleLeadersNotAvailable))
        #expect(requested(.unclean, state(leader: 1, isr: [1, 2]), live: []) == .failure(.eligibleLeadersNotAvailable))
    }

    @Test func electionTypesHaveKafkasWireValues() {
        #expect(LeaderElection.ElectionType(rawValue: 0) == .preferred)
        #expect(LeaderElection.ElectionType(rawValue: 1) == .unclean)
        #expect(LeaderElection.ElectionType(rawValue: 2) == nil)
    }
}
