/// A partition's leadership as its state machine last had it, packed into one word so an append can
/// read it atomically inside its append turn: the machine's own lock cannot be taken there, because
/// a follower's append holds that lock while it waits for the turn.
struct PublishedLeadership: Equatable, Sendable {
    /// The epoch this broker leads in now.
    var epoch: Int32
    /// The epoch its unbroken leadership began in.
    var leadingSince: Int32

    static let notLeading: Int64 = -1

    init(epoch: Int32, leadingSince: Int32) {
        self.epoch = epoch
        self.leadingSince = leadingSince
    }

    /// Nil for `notLeading`.
    init?(packed: Int64) {
        guard packed >= 0 else { return nil }
        self.init(epoch: Int32(truncatingIfNeeded: packed), leadingSince: Int32(truncatingIfNeeded: packed >> 32))
    }

    init?(of machine: Partition) {
        guard case .leader(let epoch) = machine.role else { return nil }
        self.init(epoch: epoch, leadingSince: machine.leadingSinceEpoch ?? epoch)
    }

    var packed: Int64 { Int64(leadingSince) << 32 | Int64(UInt32(bitPattern: epoch)) }

    /// Whether a produce that found this broker leading in `checkedEpoch` may still write: the
    /// leadership has not been broken since (an epoch bump under the same leader, such as the
    /// controller dropping a follower that went away, does not break it).
    func holds(since checkedEpoch: Int32) -> Bool { leadingSince <= checkedEpoch && checkedEpoch <= epoch }
}
