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
        case requestedPreferred = "preferred election requested (ElectLeaders)"
        case requestedUnclean = "unclean election requested (ElectLeaders)"
    }

    /// ElectLeaders' `election_type`: its wire values are Kafka's.
    enum ElectionType: Int8, Sendable, Equatable {
        /// Leadership to the first replica of the assignment, if it is live and in sync.
        case preferred = 0
        /// A leader for a leaderless partition: an in-sync replica if one is live, else any live replica.
        case unclean = 1
    }

    /// Why a requested election changes nothing; each is one of Kafka's per-partition errors.
    enum Refusal: Error, Sendable, Equatable {
        /// ELECTION_NOT_NEEDED: the preferred replica leads already (preferred), or there is a live leader (unclean).
        case notNeeded
        /// PREFERRED_LEADER_NOT_AVAILABLE: the preferred replica is down or out of sync.
        case preferredLeaderNotAvailable
        /// ELIGIBLE_LEADERS_NOT_AVAILABLE: no replica of the partition is live.
        case eligibleLeadersNotAvailable
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

    /// What an operator's ElectLeaders asks for one partition, as Kafka's controller decides it:
    /// a preferred election moves leadership to the first replica when it is live and in sync; an
    /// unclean one gives a leaderless partition (or one whose leader is gone) a leader, in sync if it
    /// can, else any live replica whatever the topic's `unclean.leader.election.enable`.
    static func requested(
        _ type: ElectionType, replicas: [Int32], state: PartitionState, liveBrokers: Set<Int32>, controllerEpoch: Int32
    ) -> Result<Decision, Refusal> {
        switch type {
        case .preferred:
            guard let preferred = replicas.first, preferred != state.leader else { return .failure(.notNeeded) }
            guard var decision = towardPreferredReplica(replicas: replicas, state: state, liveBrokers: liveBrokers,
                                                        controllerEpoch: controllerEpoch) else {
                return .failure(.preferredLeaderNotAvailable)
            }
            decision.reason = .requestedPreferred
            return .success(decision)
        case .unclean:
            if state.leader >= 0, liveBrokers.contains(state.leader) { return .failure(.notNeeded) }
            guard var decision = afterBrokerChange(replicas: replicas, state: state, liveBrokers: liveBrokers, uncleanAllowed: true,
                                                   controllerEpoch: controllerEpoch),
                  decision.state.leader >= 0 else {
                return .failure(.eligibleLeadersNotAvailable)
            }
            decision.reason = .requestedUnclean
            return .success(decision)
        }
    }
}
