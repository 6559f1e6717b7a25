import PierCoordination

/// What the controller writes into a partition's state when brokers come and go, or when leadership
/// should move back to the preferred replica: plain functions of the state, tested without a store.
///
/// Kafka's rules: a new leader comes from the ISR, in assignment order, and gets the next leader
/// epoch; with no live in-sync replica the partition stays leaderless (its ISR kept, so the last
/// in-sync replica can take over when it returns) unless unclean election is allowed, which takes
/// any live replica and loses what it lacks. A follower that went is dropped from the ISR at once,
/// so acks=all does not wait `replica.lag.time.max.ms` for a broker known to be gone.
enum LeaderElection {
    enum Reason: String, Sendable, Equatable {
        case leaderWentAway = "leader went away"
        case followerWentAway = "in-sync follower went away"
        case inSyncReplicaReturned = "an in-sync replica returned to a leaderless partition"
        case unclean = "unclean election: no in-sync replica is alive"
        case preferredReplica = "preferred replica is in sync again"
    }

    struct Decision: Sendable, Equatable {
        var state: PartitionState
        var reason: Reason
    }

    /// The state after the set of live brokers changed, or nil when it stands.
    static func afterBrokerChange(
        replicas: [Int32], state: PartitionState, liveBrokers: Set<Int32>, uncleanAllowed: Bool, controllerEpoch: Int32
    ) -> Decision? {
        let leaderIsLive = state.leader >= 0 && liveBrokers.contains(state.leader)
        if leaderIsLive {
            let liveISR = state.isr.filter { liveBrokers.contains($0) }
            guard liveISR != state.isr else { return nil }
            var next = state
            next.isr = liveISR
            next.controllerEpoch = controllerEpoch
            return Decision(state: next, reason: .followerWentAway)
        }
        if let leader = replicas.first(where: { state.isr.contains($0) && liveBrokers.contains($0) }) {
            var next = state
            next.leader = leader
            next.leaderEpoch = state.leaderEpoch + 1
            next.isr = state.isr.filter { liveBrokers.contains($0) }
            next.controllerEpoch = controllerEpoch
            return Decision(state: next, reason: state.leader < 0 ? .inSyncReplicaReturned : .leaderWentAway)
        }
        if uncleanAllowed, let leader = replicas.first(where: { liveBrokers.contains($0) }) {
            return Decision(state: PartitionState(leader: leader, leaderEpoch: state.leaderEpoch + 1, isr: [leader], controllerEpoch: controllerEpoch),
                            reason: .unclean)
        }
        guard state.leader >= 0 else { return nil }
        // Leaderless: clients get LEADER_NOT_AVAILABLE and nobody accepts writes it could lose.
        var next = state
        next.leader = -1
        next.leaderEpoch = state.leaderEpoch + 1
        next.controllerEpoch = controllerEpoch
        return Decision(state: next, reason: .leaderWentAway)
    }

    /// Leadership back to the first replica of the assignment, when it is live, in sync and not leading.
    static func towardPreferredReplica(
        replicas: [Int32], state: PartitionState, liveBrokers: Set<Int32>, controllerEpoch: Int32
    ) -> Decision? {
        guard let preferred = replicas.first, preferred != state.leader, liveBrokers.contains(preferred), state.isr.contains(preferred) else {
            return nil
        }
        var next = state
        next.leader = preferred
        next.leaderEpoch = state.leaderEpoch + 1
        next.controllerEpoch = controllerEpoch
        return Decision(state: next, reason: .preferredReplica)
    }
}
