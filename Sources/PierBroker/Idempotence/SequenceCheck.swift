import PierProtocol
import PierStorage

/// The idempotent producer's rules for one incoming batch against the partition's producer state,
/// as Kafka's broker applies them: a retried batch is acknowledged with its first offsets and not
/// written again; a gap in sequence numbers or an old epoch is refused.
enum SequenceCheck: Equatable, Sendable {
    /// Append the batch.
    case append
    /// The batch was appended before: answer with its original offsets.
    case duplicate(baseOffset: Int64)
    case reject(ErrorCode)

    /// The batch's last sequence number; sequences wrap from Int32.max to 0.
    static func lastSequence(base: Int32, lastOffsetDelta: Int32) -> Int32 {
        base > Int32.max - lastOffsetDelta ? lastOffsetDelta - (Int32.max - base) - 1 : base + lastOffsetDelta
    }

    static func check(producerID: Int64, producerEpoch: Int16, baseSequence: Int32, lastSequence: Int32,
                      state: ProducerState?) -> SequenceCheck {
        // Batches without a producer id or sequence are not idempotent: nothing to check.
        guard producerID >= 0, baseSequence >= 0 else { return .append }
        guard let state else {
            // Nothing known of this producer here: only a first batch may start its history (KIP-360:
            // otherwise the client resets its sequence with a new id or epoch).
            return baseSequence == 0 ? .append : .reject(.unknownProducerId)
        }
        if producerEpoch < state.producerEpoch { return .reject(.invalidProducerEpoch) }
        if producerEpoch > state.producerEpoch {
            return baseSequence == 0 ? .append : .reject(.outOfOrderSequenceNumber)
        }
        if let earlier = state.recentBatches.first(where: { $0.firstSequence == baseSequence && $0.lastSequence == lastSequence }) {
            return .duplicate(baseOffset: earlier.firstOffset)
        }
        guard let last = state.recentBatches.last else {
            return baseSequence == 0 ? .append : .reject(.outOfOrderSequenceNumber)
        }
        // Sequences wrap from Int32.max to 0.
        let expected = last.lastSequence == Int32.max ? 0 : last.lastSequence + 1
        return baseSequence == expected ? .append : .reject(.outOfOrderSequenceNumber)
    }
}
