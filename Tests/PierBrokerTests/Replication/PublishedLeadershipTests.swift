@testable import PierBroker
import PierCoordination
import Testing

@Suite struct PublishedLeadershipTests {
    @Test func packsAndUnpacksBothEpochs() {
        for (epoch, since) in [(Int32(0), Int32(0)), (7, 3), (Int32.max, Int32.max - 1)] {
            let leadership = PublishedLeadership(epoch: epoch, leadingSince: since)
            #expect(PublishedLeadership(packed: leadership.packed) == leadership)
        }
        #expect(PublishedLeadership(packed: PublishedLeadership.notLeading) == nil)
    }

    @Test func holdsOnlyForAnUnbrokenLeadership() {
        let leadership = PublishedLeadership(epoch: 5, leadingSince: 3)
        #expect(leadership.holds(since: 3))
        #expect(leadership.holds(since: 5))
        #expect(!leadership.holds(since: 2), "leadership was lost after epoch 2 and regained in 3")
        #expect(!leadership.holds(since: 6), "an epoch this broker has not seen yet")
    }

    @Test func followsTheMachine() {
        var partition = Partition(localBroker: 1, logEndOffset: 0, highWatermark: 0)
        #expect(PublishedLeadership(of: partition) == nil)
        let lead = { (leader: Int32, epoch: Int32) in PartitionState(leader: leader, leaderEpoch: epoch, isr: [leader], controllerEpoch: 1) }
        _ = partition.stateRead(replicas: [1, 2], state: lead(1, 0), znodeVersion: 0, now: 0)
        #expect(PublishedLeadership(of: partition) == PublishedLeadership(epoch: 0, leadingSince: 0))
        _ = partition.stateRead(replicas: [1, 2], state: lead(1, 1), znodeVersion: 1, now: 0)
        #expect(PublishedLeadership(of: partition) == PublishedLeadership(epoch: 1, leadingSince: 0))
        _ = partition.stateRead(replicas: [1, 2], state: lead(2, 2), znodeVersion: 2, now: 0)
        #expect(PublishedLeadership(of: partition) == nil)
        _ = partition.stateRead(replicas: [1, 2], state: lead(1, 3), znodeVersion: 3, now: 0)
        #expect(PublishedLeadership(of: partition) == PublishedLeadership(epoch: 3, leadingSince: 3))
    }
}
