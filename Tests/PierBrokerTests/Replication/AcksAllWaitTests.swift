@testable import PierBroker
import PierProtocol
import Testing

/// A produce with acks=all waiting for the ISR, fed the partition's changes.
@Suite struct AcksAllWaitTests {
    static func wait() -> AcksAllWait { AcksAllWait(requiredOffset: 10, minInSyncReplicas: 2, leaderEpoch: 5) }

    @Test func answeredOnceTheHighWatermarkPassesTheBatch() {
        var wait = Self.wait()
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 9)) == .keepWaiting)
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 10)) == .respond(.noError))
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 11)) == .none, "answered once")
        #expect(wait.deadlinePassed() == .none)
    }

    @Test func anISRShrunkBelowTheMinimumMeanwhileIsNotEnoughReplicasAfterAppend() {
        var wait = Self.wait()
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 1, highWatermark: 8)) == .keepWaiting)
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 1, highWatermark: 10)) == .respond(.notEnoughReplicasAfterAppend))
    }

    @Test func lostLeadershipOrANewEpochIsNotLeader() {
        var lost = Self.wait()
        #expect(lost.partitionChanged(.refused(.notLeaderOrFollower, leader: 2, leaderEpoch: 6)) == .respond(.notLeaderOrFollower))
        var regained = Self.wait()
        #expect(regained.partitionChanged(.leading(epoch: 7, leadingSince: 7, isrCount: 3, highWatermark: 20)) == .respond(.notLeaderOrFollower),
                "leader again, but the batch may have been truncated in between")
    }

    @Test func aNewEpochUnderTheSameLeaderKeepsTheWait() {
        var wait = Self.wait()
        #expect(wait.partitionChanged(.leading(epoch: 6, leadingSince: 5, isrCount: 2, highWatermark: 9)) == .keepWaiting)
        #expect(wait.partitionChanged(.leading(epoch: 6, leadingSince: 5, isrCount: 2, highWatermark: 10)) == .respond(.noError))
    }

    @Test func theDeadlineTimesOut() {
        var wait = Self.wait()
        #expect(wait.partitionChanged(.leading(epoch: 5, leadingSince: 5, isrCount: 3, highWatermark: 3)) == .keepWaiting)
        #expect(wait.deadlinePassed() == .respond(.requestTimedOut))
        #expect(wait.answer == .requestTimedOut)
    }
}
