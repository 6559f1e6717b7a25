@testable import PierBroker
import PierCoordination
import Testing

/// The controller's reassignment decisions (`PartitionReassignment`), as KIP-455 orders them, without a store.
@Suite struct PartitionReassignmentTests {
    private let live: Set<Int32> = [1, 2, 3, 4]

    private func state(leader: Int32, epoch: Int32 = 4, isr: [Int32]) -> PartitionState {
        PartitionState(leader: leader, leaderEpoch: epoch, isr: isr, controllerEpoch: 1)
    }

    private func requested(_ target: [Int32]?, _ current: PartitionReplicas, _ state: PartitionState, live: Set<Int32>? = nil)
        -> Result<PartitionReassignment.Step?, PartitionReassignment.Refusal> {
        PartitionReassignment.requested(target: target, current: current, state: state, liveBrokers: live ?? self.live, controllerEpoch: 9)
    }

    @Test func fullSetIsTheTargetThenTheRestOfTheOriginal() {
        let moving = PartitionReplicas(replicas: [1, 2, 3]).reassigned(to: [2, 3, 4])
        #expect(moving == PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1]))
        #expect(moving.origin == [2, 3, 1])
        #expect(moving.target == [2, 3, 4])
        // A new target replaces the move in progress, measured from the same original replicas.
        #expect(moving.reassigned(to: [3, 5]) == PartitionReplicas(replicas: [3, 5, 2, 1], adding: [5], removing: [2, 1]))
    }

    @Test func aMoveAddsTheTargetReplicasFirstWithANewLeaderEpoch() throws {
        let step = try #require(try requested([2, 3, 4], PartitionReplicas(replicas: [1, 2, 3]), state(leader: 1, isr: [1, 2, 3])).get())
        #expect(step.assignment == PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1]))
        #expect(step.state == PartitionState(leader: 1, leaderEpoch: 5, isr: [1, 2, 3], controllerEpoch: 9))
        #expect(step.reason == .started)
    }

    @Test func aMoveWaitsUntilEveryTargetReplicaIsInSync() {
        let moving = PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1])
        #expect(PartitionReassignment.advanced(current: moving, state: state(leader: 1, isr: [1, 2, 3]), liveBrokers: live, controllerEpoch: 9) == nil)
        // Not moving: nothing to advance.
        #expect(PartitionReassignment.advanced(current: PartitionReplicas(replicas: [1, 2]), state: state(leader: 1, isr: [1, 2]), liveBrokers: live,
                                               controllerEpoch: 9) == nil)
    }

    @Test func completionMovesLeadershipOffARemovedLeaderAndDropsItFromTheIsr() throws {
        let moving = PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1])
        let step = try #require(PartitionReassignment.advanced(current: moving, state: state(leader: 1, isr: [1, 2, 3, 4]), liveBrokers: live,
                                                               controllerEpoch: 9))
        #expect(step.assignment == PartitionReplicas(replicas: [2, 3, 4]))
        #expect(step.state == PartitionState(leader: 2, leaderEpoch: 5, isr: [2, 3, 4], controllerEpoch: 9))
        #expect(step.reason == .completed)
    }

    @Test func completionKeepsALeaderThatStaysAndSkipsATargetReplicaThatIsDown() throws {
        let moving = PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1])
        let kept = try #require(PartitionReassignment.advanced(current: moving, state: state(leader: 3, isr: [3, 1, 2, 4]), liveBrokers: live,
                                                               controllerEpoch: 9))
        #expect(kept.state == PartitionState(leader: 3, leaderEpoch: 5, isr: [3, 2, 4], controllerEpoch: 9))
        let skipped = try #require(PartitionReassignment.advanced(current: moving, state: state(leader: 1, isr: [1, 2, 3, 4]), liveBrokers: [1, 3, 4],
                                                                  controllerEpoch: 9))
        #expect(skipped.state.leader == 3)
        // No live in-sync target replica: it waits.
        #expect(PartitionReassignment.advanced(current: moving, state: state(leader: 1, isr: [1, 2, 3, 4]), liveBrokers: [1], controllerEpoch: 9) == nil)
    }

    @Test func aTargetInSyncAlreadyCompletesAtOnce() throws {
        // A shrink and a reorder need no catching up.
        let shrink = try #require(try requested([2, 3], PartitionReplicas(replicas: [1, 2, 3]), state(leader: 1, isr: [1, 2, 3])).get())
        #expect(shrink.assignment == PartitionReplicas(replicas: [2, 3]))
        #expect(shrink.state == PartitionState(leader: 2, leaderEpoch: 5, isr: [2, 3], controllerEpoch: 9))
        let reorder = try #require(try requested([3, 1, 2], PartitionReplicas(replicas: [1, 2, 3]), state(leader: 1, isr: [1, 2, 3])).get())
        #expect(reorder.assignment == PartitionReplicas(replicas: [3, 1, 2]))
        #expect(reorder.state.leader == 1)
        // The replica set as it is: nothing to write.
        #expect(try requested([1, 2, 3], PartitionReplicas(replicas: [1, 2, 3]), state(leader: 1, isr: [1, 2, 3])).get() == nil)
    }

    @Test func cancellationRestoresTheOriginalReplicas() throws {
        let moving = PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1])
        let step = try #require(try requested(nil, moving, state(leader: 1, epoch: 5, isr: [1, 2, 3])).get())
        #expect(step.assignment == PartitionReplicas(replicas: [2, 3, 1]))
        #expect(step.state == PartitionState(leader: 1, leaderEpoch: 6, isr: [1, 2, 3], controllerEpoch: 9))
        #expect(step.reason == .cancelled)
        // An adding replica that caught up leaves the ISR with the cancellation.
        let caughtUp = try #require(try requested(nil, moving, state(leader: 1, epoch: 5, isr: [1, 2, 3, 4])).get())
        #expect(caughtUp.state.isr == [1, 2, 3])
    }

    @Test func aLeaderTheNewSetWouldDropStaysAsARemovingReplicaUntilTheTargetCanLead() throws {
        // Leadership went to the adding replica 4; the move is replaced by one to [5, 2]: 4 stays until 5 is in sync.
        let moving = PartitionReplicas(replicas: [4, 2, 1], adding: [4], removing: [1])
        let step = try #require(try requested([5, 2], moving, state(leader: 4, isr: [4, 2, 1]), live: [1, 2, 4, 5]).get())
        #expect(step.assignment == PartitionReplicas(replicas: [5, 2, 1, 4], adding: [5, 4], removing: [1, 4]))
        #expect(step.state.leader == 4)
        #expect(step.state.isr == [4, 2, 1])
    }

    @Test func cancellingWithoutAMoveIsNoReassignmentInProgress() {
        #expect(requested(nil, PartitionReplicas(replicas: [1, 2, 3]), state(leader: 1, isr: [1, 2, 3])) == .failure(.noReassignmentInProgress))
    }

    @Test func badTargetsAreInvalidReplicaAssignments() {
        let current = PartitionReplicas(replicas: [1, 2, 3])
        let now = state(leader: 1, isr: [1, 2, 3])
        for target: [Int32] in [[], [2, 2, 3], [2, -1], [2, 3, 7]] {
            guard case .failure(.invalidReplicaAssignment(let reason)) = requested(target, current, now) else {
                Issue.record("\(target) was not refused")
                continue
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test func topicAssignmentKeepsAddingAndRemovingListsOnlyWhileAPartitionMoves() {
        var assignment = TopicAssignment(topicID: .init(), replicas: [0: [1, 2, 3], 1: [2, 3, 1]])
        assignment.setReplicaAssignment(PartitionReplicas(replicas: [2, 3, 4, 1], adding: [4], removing: [1]), for: 0)
        #expect(assignment.partitions["0"] == [2, 3, 4, 1])
        #expect(assignment.addingReplicas == ["0": [4]])
        #expect(assignment.removingReplicas == ["0": [1]])
        #expect(assignment.partitionsBeingReassigned == [0])
        #expect(assignment.replicaAssignment(0)?.target == [2, 3, 4])
        assignment.setReplicaAssignment(PartitionReplicas(replicas: [2, 3, 4]), for: 0)
        #expect(assignment.addingReplicas.isEmpty && assignment.removingReplicas.isEmpty)
        #expect(assignment.partitionsBeingReassigned.isEmpty)
        #expect(assignment.replicaAssignment(7) == nil)
    }
}
