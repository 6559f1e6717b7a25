@testable import PierBroker
import PierCoordination
import PierProtocol
import Testing

/// The replication state machine of one partition, fed events with times and no logs or sockets.
@Suite struct PartitionTests {
    static let replicas: [Int32] = [1, 2, 3]

    static func state(leader: Int32, epoch: Int32, isr: [Int32] = replicas) -> PartitionState {
        PartitionState(leader: leader, leaderEpoch: epoch, isr: isr, controllerEpoch: 1)
    }

    /// Broker 1 leading epoch 5 of a partition on brokers 1, 2, 3, its log ending at `logEnd`.
    static func leader(logEnd: Int64 = 10, highWatermark: Int64 = 0, isr: [Int32] = replicas, now: Int64 = 0) -> Partition {
        var partition = Partition(localBroker: 1, logEndOffset: logEnd, highWatermark: highWatermark)
        _ = partition.stateRead(replicas: replicas, state: state(leader: 1, epoch: 5, isr: isr), znodeVersion: 3, now: now)
        return partition
    }

    // MARK: Roles

    @Test func becomingLeaderRecordsTheEpochAtTheLogEnd() {
        var partition = Partition(localBroker: 1, logEndOffset: 42, highWatermark: 40)
        let actions = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
        #expect(actions == [.recordLeaderEpoch(5, startOffset: 42)])
        #expect(partition.role == .leader(epoch: 5))
        #expect(partition.leaderEpochStartOffset == 42)
        #expect(partition.highWatermark == 40, "followers' positions are unknown: the high watermark waits for them")
    }

    @Test func aLeaderAloneInTheISRCommitsItsWholeLog() {
        var partition = Partition(localBroker: 1, logEndOffset: 42, highWatermark: 40)
        let actions = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5, isr: [1]), znodeVersion: 3, now: 0)
        #expect(actions == [.recordLeaderEpoch(5, startOffset: 42), .persistHighWatermark(42)])
        #expect(partition.appendCommitted(logEndOffset: 50) == [.persistHighWatermark(50)])
        #expect(partition.highWatermark == 50)
    }

    @Test func becomingFollowerStartsFetchingFromTheLeaderAndANewEpochTruncatesAgain() {
        var partition = Partition(localBroker: 2, logEndOffset: 10, highWatermark: 8)
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
                == [.startFetching(from: 1, epoch: 5)])
        #expect(partition.role == .follower(leader: 1, epoch: 5))
        // An ISR-only change at the same epoch keeps the fetcher as it is.
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5, isr: [1, 2]), znodeVersion: 4, now: 0) == [])
        // The same leader in a new epoch: fetch again, which truncates first.
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 6), znodeVersion: 5, now: 0)
                == [.startFetching(from: 1, epoch: 6)])
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 3, epoch: 7), znodeVersion: 6, now: 0)
                == [.startFetching(from: 3, epoch: 7)])
    }

    @Test func aFollowerElectedLeaderStopsFetchingThenLeads() {
        var partition = Partition(localBroker: 2, logEndOffset: 10, highWatermark: 8)
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
        let actions = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 6, isr: [2, 3]), znodeVersion: 4, now: 0)
        #expect(actions == [.stopFetching, .recordLeaderEpoch(6, startOffset: 10)])
        #expect(partition.role == .leader(epoch: 6))
    }

    @Test func aNewEpochStartsAtTheLogEndAsTheLogHasIt() {
        var partition = Self.leader(logEnd: 10)
        let actions = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 6), znodeVersion: 4, logEndOffset: 17, now: 0)
        #expect(actions == [.recordLeaderEpoch(6, startOffset: 17)])
        #expect(partition.logEndOffset == 17)
    }

    @Test func aLeaderInANewEpochKeepsItsFollowersPositions() {
        var partition = Self.leader(logEnd: 10)
        _ = partition.followerFetched(2, fetchOffset: 10, now: 1)
        _ = partition.followerFetched(3, fetchOffset: 10, now: 1)
        // The controller dropped broker 3 (its broker went) in epoch 6.
        let actions = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 6, isr: [1, 2]), znodeVersion: 4, now: 2)
        #expect(actions == [.recordLeaderEpoch(6, startOffset: 10)])
        #expect(partition.followers[2]?.logEndOffset == 10)
        #expect(partition.appendCommitted(logEndOffset: 12) == [])
        #expect(partition.followerFetched(2, fetchOffset: 12, now: 3) == [.persistHighWatermark(12)], "broker 2 alone holds it back")
    }

    @Test func leadershipIsUnbrokenAcrossEpochsUnderTheSameLeaderOnly() {
        var partition = Self.leader(logEnd: 10, isr: [1])
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 6, isr: [1]), znodeVersion: 4, now: 0)
        #expect(partition.leadership() == .leading(epoch: 6, leadingSince: 5, isrCount: 1, highWatermark: 10))
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 7), znodeVersion: 5, now: 0)
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 8, isr: [1]), znodeVersion: 6, now: 0)
        #expect(partition.leadership() == .leading(epoch: 8, leadingSince: 8, isrCount: 1, highWatermark: 10))
    }

    @Test func aLeaderThatLosesLeadershipFollowsTheNewLeader() {
        var partition = Self.leader()
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 6), znodeVersion: 4, now: 0)
                == [.startFetching(from: 2, epoch: 6)])
        #expect(partition.followers.isEmpty)
        #expect(partition.leadership() == .refused(.notLeaderOrFollower, leader: 2, leaderEpoch: 6))
    }

    @Test func noLeaderOrNotAReplicaServesNothing() {
        var partition = Partition(localBroker: 2, logEndOffset: 10, highWatermark: 8)
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: -1, epoch: 6, isr: []), znodeVersion: 4, now: 0)
                == [.stopFetching])
        #expect(partition.role == .none)
        #expect(partition.stateRead(replicas: [1, 3], state: Self.state(leader: 1, epoch: 7), znodeVersion: 5, now: 0) == [])
        #expect(partition.role == .none)
    }

    @Test func aVersionAlreadyAppliedChangesNothing() {
        var partition = Self.leader()
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 9), znodeVersion: 3, now: 0) == [])
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 9), znodeVersion: 2, now: 0) == [])
        #expect(partition.role == .leader(epoch: 5))
    }

    /// A reassignment writes the assignment and the state together; the watcher may deliver the new
    /// state with the old replicas first, then the same version with the new replicas.
    @Test func theVersionAppliedAgainWithOtherReplicasTakesUpTheNewReplicaSet() {
        var partition = Self.leader()
        _ = partition.followerFetched(2, fetchOffset: 10, now: 5)
        #expect(partition.stateRead(replicas: [1, 2, 3, 4], state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 7) == [])
        #expect(partition.replicas == [1, 2, 3, 4])
        #expect(partition.role == .leader(epoch: 5))
        #expect(partition.followers[4] == Partition.FollowerProgress(logEndOffset: nil, lastCaughtUpMilliseconds: 7, previousFetchLeaderLogEnd: 0,
                                                                     previousFetchMilliseconds: 7))
        #expect(partition.followers[2]?.logEndOffset == 10, "a follower that stays keeps its position")
        // The new follower can fetch and join the ISR.
        #expect(partition.followerFetched(4, fetchOffset: 10, now: 8) == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1, 2, 3, 4]), expectedVersion: 3, .expand)])
        // A removed follower is forgotten.
        var shrinking = Self.leader()
        #expect(shrinking.stateRead(replicas: [1, 2], state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 7) == [])
        #expect(shrinking.followers.keys.sorted() == [2])
        // The same replicas again change nothing.
        #expect(shrinking.stateRead(replicas: [1, 2], state: Self.state(leader: 2, epoch: 9), znodeVersion: 3, now: 7) == [])
        #expect(shrinking.role == .leader(epoch: 5))
    }

    // MARK: Epoch checks

    @Test func clientEpochsAreCheckedBeforeTheRole() {
        let leader = Self.leader()
        #expect(leader.leadership(currentLeaderEpoch: -1) == .leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 0))
        #expect(leader.leadership(currentLeaderEpoch: 5) == .leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 0))
        #expect(leader.leadership(currentLeaderEpoch: 4) == .refused(.fencedLeaderEpoch, leader: 1, leaderEpoch: 5))
        #expect(leader.leadership(currentLeaderEpoch: 6) == .refused(.unknownLeaderEpoch, leader: 1, leaderEpoch: 5))
        var follower = Partition(localBroker: 2, logEndOffset: 0, highWatermark: 0)
        _ = follower.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
        #expect(follower.leadership(currentLeaderEpoch: 4) == .refused(.fencedLeaderEpoch, leader: 1, leaderEpoch: 5))
        #expect(follower.leadership(currentLeaderEpoch: 5) == .refused(.notLeaderOrFollower, leader: 1, leaderEpoch: 5))
        #expect(Partition(localBroker: 2, logEndOffset: 0, highWatermark: 0).leadership()
                == .refused(.notLeaderOrFollower, leader: -1, leaderEpoch: -1), "never told of the partition")
    }

    // MARK: High watermark

    @Test func theHighWatermarkIsTheSmallestLogEndInTheISR() {
        var partition = Self.leader(logEnd: 10)
        #expect(partition.followerFetched(2, fetchOffset: 7, now: 1) == [], "broker 3's position is still unknown")
        #expect(partition.followerFetched(3, fetchOffset: 4, now: 1) == [.persistHighWatermark(4)])
        #expect(partition.followerFetched(3, fetchOffset: 10, now: 2) == [.persistHighWatermark(7)])
        #expect(partition.followerFetched(2, fetchOffset: 10, now: 3) == [.persistHighWatermark(10)])
        #expect(partition.appendCommitted(logEndOffset: 15) == [], "the followers do not have it yet")
        #expect(partition.highWatermark == 10)
    }

    @Test func theHighWatermarkNeverMovesBack() {
        var partition = Self.leader(logEnd: 10, highWatermark: 8)
        #expect(partition.followerFetched(2, fetchOffset: 5, now: 1) == [])
        #expect(partition.followerFetched(3, fetchOffset: 6, now: 1) == [])
        #expect(partition.highWatermark == 8)
    }

    @Test func aFollowerPastTheLogEndIsNotCounted() {
        var partition = Self.leader(logEnd: 10)
        #expect(partition.followerFetched(2, fetchOffset: 12, now: 1) == [])
        #expect(partition.followers[2]?.logEndOffset == nil)
    }

    @Test func theFollowerTakesTheSmallerOfTheLeadersHighWatermarkAndItsLogEnd() {
        var partition = Partition(localBroker: 2, logEndOffset: 0, highWatermark: 0)
        _ = partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 1, epoch: 5), znodeVersion: 3, now: 0)
        #expect(partition.fetchedFromLeader(logEndOffset: 6, leaderHighWatermark: 10) == [.persistHighWatermark(6)])
        #expect(partition.fetchedFromLeader(logEndOffset: 12, leaderHighWatermark: 10) == [.persistHighWatermark(10)])
        #expect(partition.fetchedFromLeader(logEndOffset: 12, leaderHighWatermark: 10) == [])
        partition.truncated(logEndOffset: 9, highWatermark: 10)
        #expect(partition.highWatermark == 9)
    }

    // MARK: ISR

    @Test func aFollowerNotCaughtUpForTheLagTimeLeavesTheISR() {
        var partition = Self.leader(logEnd: 10, now: 0)
        _ = partition.followerFetched(2, fetchOffset: 10, now: 100)
        _ = partition.followerFetched(3, fetchOffset: 8, now: 100)
        #expect(partition.lagTimerFired(now: 1_000, maxLagMilliseconds: 1_000) == [], "both are within the lag time")
        _ = partition.followerFetched(2, fetchOffset: 10, now: 1_500)
        let actions = partition.lagTimerFired(now: 1_600, maxLagMilliseconds: 1_000)
        #expect(actions == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1, 2]), expectedVersion: 3, .shrink)])
        #expect(partition.pendingISR == [1, 2])
        #expect(partition.lagTimerFired(now: 1_700, maxLagMilliseconds: 1_000) == [], "one change in flight at a time")
    }

    @Test func theHighWatermarkCountsTheOldISRUntilTheShrinkIsStored() {
        var partition = Self.leader(logEnd: 10, now: 0)
        _ = partition.followerFetched(2, fetchOffset: 10, now: 1_500)
        _ = partition.followerFetched(3, fetchOffset: 2, now: 1)
        #expect(partition.highWatermark == 2)
        _ = partition.lagTimerFired(now: 1_600, maxLagMilliseconds: 1_000)
        #expect(partition.appendCommitted(logEndOffset: 10) == [], "broker 3 still counts while the shrink is in flight")
        #expect(partition.isrWritten(Self.state(leader: 1, epoch: 5, isr: [1, 2]), znodeVersion: 4) == [.persistHighWatermark(10)])
        #expect(partition.isr == [1, 2])
        #expect(partition.pendingISR == nil)
        #expect(partition.isUnderReplicated)
    }

    @Test func aFollowerCatchingUpWithinTheLagTimeStaysBecauseItReachedThePreviousFetchsLogEnd() {
        var partition = Self.leader(logEnd: 10, now: 0)
        _ = partition.followerFetched(3, fetchOffset: 10, now: 0)
        // New records keep arriving: the follower is never at the log end when it fetches, but each
        // fetch reaches what the leader had at the one before.
        _ = partition.appendCommitted(logEndOffset: 20)
        _ = partition.followerFetched(2, fetchOffset: 10, now: 600)
        _ = partition.appendCommitted(logEndOffset: 30)
        _ = partition.followerFetched(2, fetchOffset: 20, now: 1_200)
        _ = partition.appendCommitted(logEndOffset: 40)
        _ = partition.followerFetched(2, fetchOffset: 30, now: 1_800)
        #expect(partition.followers[2]?.lastCaughtUpMilliseconds == 1_200)
        let actions = partition.lagTimerFired(now: 2_000, maxLagMilliseconds: 1_000)
        #expect(actions == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1, 2]), expectedVersion: 3, .shrink)], "3 is gone, 2 stays")
    }

    @Test func aFollowerThatReachesTheHighWatermarkRejoins() {
        var partition = Self.leader(logEnd: 10, isr: [1, 2])
        _ = partition.followerFetched(2, fetchOffset: 10, now: 1)
        #expect(partition.highWatermark == 10)
        #expect(partition.followerFetched(3, fetchOffset: 9, now: 2) == [], "below the high watermark")
        let actions = partition.followerFetched(3, fetchOffset: 10, now: 3)
        #expect(actions == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1, 2, 3]), expectedVersion: 3, .expand)])
        #expect(partition.maximalISR == [1, 2, 3])
        #expect(partition.isrWritten(Self.state(leader: 1, epoch: 5, isr: [1, 2, 3]), znodeVersion: 4) == [])
        #expect(!partition.isUnderReplicated)
    }

    @Test func aFollowerRejoinsOnlyOnceItReachedTheLeadersEpochStart() {
        // A new leader whose epoch starts at 10, with an old high watermark of 4.
        var partition = Self.leader(logEnd: 10, highWatermark: 4, isr: [1, 2])
        #expect(partition.followerFetched(2, fetchOffset: 6, now: 1) == [.persistHighWatermark(6)])
        #expect(partition.followerFetched(3, fetchOffset: 6, now: 1) == [], "at the high watermark, but before the epoch start")
        #expect(partition.followerFetched(3, fetchOffset: 10, now: 2)
                == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1, 2, 3]), expectedVersion: 3, .expand)])
    }

    @Test func aConflictingISRWriteLeavesNothingPendingAndTheNextReadDecides() {
        var partition = Self.leader(logEnd: 10, now: 0)
        _ = partition.lagTimerFired(now: 5_000, maxLagMilliseconds: 1_000)
        #expect(partition.pendingISR == [1])
        partition.isrWriteFailed()
        #expect(partition.pendingISR == nil)
        #expect(partition.stateRead(replicas: Self.replicas, state: Self.state(leader: 2, epoch: 6), znodeVersion: 4, now: 5_000)
                == [.startFetching(from: 2, epoch: 6)])
        #expect(partition.isrWritten(Self.state(leader: 1, epoch: 5, isr: [1]), znodeVersion: 4) == [], "stale confirmation")
        #expect(partition.role == .follower(leader: 2, epoch: 6))
    }

    @Test func aNewLeaderGivesEveryFollowerTheFullLagTime() {
        var partition = Self.leader(logEnd: 10, now: 10_000)
        #expect(partition.lagTimerFired(now: 10_900, maxLagMilliseconds: 1_000) == [])
        #expect(partition.lagTimerFired(now: 11_001, maxLagMilliseconds: 1_000)
                == [.writeISR(Self.state(leader: 1, epoch: 5, isr: [1]), expectedVersion: 3, .shrink)])
    }
}
