import PierCoordination

/// A partition's replicas as the topic's assignment znode holds them while it may be moving
/// (KIP-455): `replicas` is the full set (the target first, then what remains of the original),
/// `adding` the target's replicas the original lacked, `removing` the original's the target lacks.
struct PartitionReplicas: Sendable, Equatable {
    var replicas: [Int32]
    var adding: [Int32] = []
    var removing: [Int32] = []

    /// The replicas before the reassignment began.
    var origin: [Int32] { replicas.filter { !adding.contains($0) } }
    /// The replicas the reassignment ends with.
    var target: [Int32] { replicas.filter { !removing.contains($0) } }
    var isBeingReassigned: Bool { !adding.isEmpty || !removing.isEmpty }

    /// The assignment that moves this one's original replicas to `target` (a reassignment in
    /// progress is replaced, measured from the same original replicas, as Kafka does).
    func reassigned(to target: [Int32]) -> PartitionReplicas {
        let origin = self.origin
        let full = target + origin.filter { !target.contains($0) }
        return PartitionReplicas(replicas: full, adding: full.filter { !origin.contains($0) }, removing: full.filter { !target.contains($0) })
    }
}

/// What the controller writes to move a partition to other brokers, as plain functions of the
/// assignment and the partition's state, tested without a store. Kafka's order (KIP-455): the target
/// replicas join the replica set first and catch up through replication into the ISR; once every
/// one is in sync the replica set becomes the target, leadership moves if its leader is not in the
/// target, and the removed replicas leave the ISR in the same write. Each write bumps the leader
/// epoch, so leaders and followers take up the new replica set.
enum PartitionReassignment {
    enum Refusal: Error, Sendable, Equatable {
        /// INVALID_REPLICA_ASSIGNMENT: an empty or duplicated list, a negative id, a broker that is not live.
        case invalidReplicaAssignment(String)
        /// NO_REASSIGNMENT_IN_PROGRESS: a cancellation for a partition that is not moving.
        case noReassignmentInProgress
    }

    enum Reason: String, Sendable, Equatable {
        case started = "reassignment started: target replicas added"
        case completed = "reassignment completed: every target replica in sync"
        case cancelled = "reassignment cancelled: back to the original replicas"
    }

    struct Step: Sendable, Equatable {
        var assignment: PartitionReplicas
        var state: PartitionState
        var reason: Reason
    }

    /// Kafka's checks of a target replica list, in its order; nil when it is acceptable.
    static func invalidity(of target: [Int32], liveBrokers: Set<Int32>) -> String? {
        if target.isEmpty { return "The replica list of a reassignment is empty." }
        if Set(target).count != target.count { return "The replica list \(target) names a broker more than once." }
        if target.contains(where: { $0 < 0 }) { return "The replica list \(target) has a negative broker id." }
        let missing = target.filter { !liveBrokers.contains($0) }
        if !missing.isEmpty {
            return "The replica list \(target) names brokers that are not alive: \(missing); live brokers: \(liveBrokers.sorted())."
        }
        return nil
    }

    /// An AlterPartitionReassignments entry for one partition: `target` nil cancels the reassignment
    /// in progress. Success with nil means nothing needs writing (the target is the replica set already).
    static func requested(
        target: [Int32]?, current: PartitionReplicas, state: PartitionState, liveBrokers: Set<Int32>, controllerEpoch: Int32
    ) -> Result<Step?, Refusal> {
        guard let target else {
            guard current.isBeingReassigned else { return .failure(.noReassignmentInProgress) }
            return .success(plan(current.reassigned(to: current.origin), from: current, state: state, liveBrokers: liveBrokers,
                                 controllerEpoch: controllerEpoch, reason: .cancelled))
        }
        if let reason = invalidity(of: target, liveBrokers: liveBrokers) { return .failure(.invalidReplicaAssignment(reason)) }
        if !current.isBeingReassigned, current.replicas == target { return .success(nil) }
        return .success(plan(current.reassigned(to: target), from: current, state: state, liveBrokers: liveBrokers,
                             controllerEpoch: controllerEpoch, reason: .started))
    }

    /// The partition's state changed (an ISR expansion, a broker that came or went) or a new
    /// controller took over: a reassignment whose target replicas are all in sync completes.
    static func advanced(current: PartitionReplicas, state: PartitionState, liveBrokers: Set<Int32>, controllerEpoch: Int32) -> Step? {
        guard current.isBeingReassigned else { return nil }
        return completion(of: current, state: state, liveBrokers: liveBrokers, controllerEpoch: controllerEpoch)
    }

    /// The write that takes `next` up: its completion at once when the target is in sync already (a
    /// cancellation, a shrink, a reorder), else the full replica set with a new leader epoch. A leader
    /// the new set would drop stays in it as a removing replica until the target can take over.
    private static func plan(
        _ next: PartitionReplicas, from current: PartitionReplicas, state: PartitionState, liveBrokers: Set<Int32>, controllerEpoch: Int32,
        reason: Reason
    ) -> Step {
        var next = next
        if state.leader >= 0, current.replicas.contains(state.leader), !next.replicas.contains(state.leader) {
            next.replicas.append(state.leader)
            next.removing.append(state.leader)
            // Not one of the original replicas (it was being added): a cancellation must not keep it.
            if !current.origin.contains(state.leader) { next.adding.append(state.leader) }
        }
        if var done = completion(of: next, state: state, liveBrokers: liveBrokers, controllerEpoch: controllerEpoch) {
            if reason == .cancelled { done.reason = .cancelled }
            return done
        }
        var moving = state
        moving.isr = state.isr.filter { next.replicas.contains($0) }
        moving.leaderEpoch = state.leaderEpoch + 1
        moving.controllerEpoch = controllerEpoch
        return Step(assignment: next, state: moving, reason: reason)
    }

    /// The final write, or nil while a target replica is out of sync or no target replica can lead:
    /// the replica set becomes the target, the leader stays if it is in the target and live (else the
    /// first live in-sync target replica leads), and the ISR keeps only target replicas.
    private static func completion(of assignment: PartitionReplicas, state: PartitionState, liveBrokers: Set<Int32>,
                                   controllerEpoch: Int32) -> Step? {
        let target = assignment.target
        guard target.allSatisfy(state.isr.contains) else { return nil }
        let leader: Int32
        if target.contains(state.leader), liveBrokers.contains(state.leader) {
            leader = state.leader
        } else if let next = target.first(where: { state.isr.contains($0) && liveBrokers.contains($0) }) {
            leader = next
        } else {
            return nil
        }
        let finished = PartitionState(leader: leader, leaderEpoch: state.leaderEpoch + 1, isr: state.isr.filter { target.contains($0) },
                                      controllerEpoch: controllerEpoch)
        return Step(assignment: PartitionReplicas(replicas: target), state: finished, reason: .completed)
    }
}

extension TopicAssignment {
    /// One partition's replicas with the reassignment they are in, if any; nil for no such partition.
    func replicaAssignment(_ partition: Int32) -> PartitionReplicas? {
        let key = String(partition)
        guard let replicas = partitions[key] else { return nil }
        return PartitionReplicas(replicas: replicas, adding: addingReplicas[key] ?? [], removing: removingReplicas[key] ?? [])
    }

    /// Sets one partition's replicas; adding and removing lists are kept only while non-empty, as Kafka writes them.
    mutating func setReplicaAssignment(_ assignment: PartitionReplicas, for partition: Int32) {
        let key = String(partition)
        partitions[key] = assignment.replicas
        addingReplicas[key] = assignment.adding.isEmpty ? nil : assignment.adding
        removingReplicas[key] = assignment.removing.isEmpty ? nil : assignment.removing
    }

    /// The partitions being reassigned, sorted.
    var partitionsBeingReassigned: [Int32] {
        Set(addingReplicas.keys).union(removingReplicas.keys).compactMap { Int32($0) }.sorted()
    }
}
