@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

@Suite struct SequenceCheckTests {
    /// Producer 7 at epoch 2 whose last batches held sequences 0–9 (offsets 100–109) and 10–14 (offsets 110–114).
    let state = ProducerState(producerId: 7, producerEpoch: 2, recentBatches: [
        .init(firstSequence: 0, lastSequence: 9, firstOffset: 100, lastOffset: 109, timestamp: 1),
        .init(firstSequence: 10, lastSequence: 14, firstOffset: 110, lastOffset: 114, timestamp: 2),
    ])

    func check(epoch: Int16 = 2, first: Int32, last: Int32, state: ProducerState?) -> SequenceCheck {
        SequenceCheck.check(producerID: 7, producerEpoch: epoch, baseSequence: first, lastSequence: last, state: state)
    }

    @Test func theNextSequenceIsAppended() {
        #expect(check(first: 15, last: 20, state: state) == .append)
    }

    @Test func aRetriedBatchIsAnsweredWithItsOriginalOffsets() {
        #expect(check(first: 10, last: 14, state: state) == .duplicate(baseOffset: 110))
        #expect(check(first: 0, last: 9, state: state) == .duplicate(baseOffset: 100))
    }

    @Test func aGapOrAnOverlapIsOutOfOrder() {
        #expect(check(first: 16, last: 20, state: state) == .reject(.outOfOrderSequenceNumber))
        #expect(check(first: 12, last: 14, state: state) == .reject(.outOfOrderSequenceNumber))
    }

    @Test func anOlderEpochIsFencedAndANewerOneStartsAtZero() {
        #expect(check(epoch: 1, first: 15, last: 15, state: state) == .reject(.invalidProducerEpoch))
        #expect(check(epoch: 3, first: 0, last: 4, state: state) == .append)
        #expect(check(epoch: 3, first: 15, last: 15, state: state) == .reject(.outOfOrderSequenceNumber))
    }

    @Test func anUnknownProducerMayOnlyStartAtZero() {
        #expect(check(first: 0, last: 3, state: nil) == .append)
        #expect(check(first: 5, last: 6, state: nil) == .reject(.unknownProducerId))
    }

    @Test func sequencesWrapAroundAfterInt32Max() {
        let nearTheEnd = ProducerState(producerId: 7, producerEpoch: 2, recentBatches: [
            .init(firstSequence: Int32.max - 4, lastSequence: Int32.max, firstOffset: 1, lastOffset: 5, timestamp: 1),
        ])
        #expect(check(first: 0, last: 9, state: nearTheEnd) == .append)
    }

    @Test func batchesWithoutAProducerIdAreNotChecked() {
        #expect(SequenceCheck.check(producerID: -1, producerEpoch: -1, baseSequence: -1, lastSequence: -1, state: nil) == .append)
    }
}
