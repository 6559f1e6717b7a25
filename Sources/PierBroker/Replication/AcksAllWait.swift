import PierProtocol

/// A Produce with acks=all that has been appended and waits for the in-sync replicas: it is
/// answered once the high watermark passes its last offset, with NOT_ENOUGH_REPLICAS_AFTER_APPEND
/// if by then the ISR has fewer than `min.insync.replicas` members (it shrank meanwhile),
/// NOT_LEADER_OR_FOLLOWER if leadership moved away, even if it came back since (the record may have
/// been truncated meanwhile; a new epoch under the same leader keeps it), or
/// REQUEST_TIMED_OUT when `timeout_ms` passes first.
struct AcksAllWait: Sendable, Equatable {
    /// The high watermark that commits the batch: its last offset + 1.
    let requiredOffset: Int64
    let minInSyncReplicas: Int
    /// The leader epoch the batch was appended in.
    let leaderEpoch: Int32
    private(set) var answer: ErrorCode?

    enum Action: Sendable, Equatable {
        case keepWaiting
        case respond(ErrorCode)
        /// Answered already; nothing more to do.
        case none
    }

    init(requiredOffset: Int64, minInSyncReplicas: Int, leaderEpoch: Int32) {
        self.requiredOffset = requiredOffset
        self.minInSyncReplicas = minInSyncReplicas
        self.leaderEpoch = leaderEpoch
    }

    /// The partition's high watermark, ISR or role may have moved.
    mutating func partitionChanged(_ leadership: Partition.Leadership) -> Action {
        guard answer == nil else { return .none }
        switch leadership {
        case .refused:
            return respond(.notLeaderOrFollower)
        case let .leading(_, leadingSince, isrCount, highWatermark):
            guard leadingSince <= leaderEpoch else { return respond(.notLeaderOrFollower) }
            guard highWatermark >= requiredOffset else { return .keepWaiting }
            return respond(isrCount >= minInSyncReplicas ? .noError : .notEnoughReplicasAfterAppend)
        }
    }

    mutating func deadlinePassed() -> Action {
        guard answer == nil else { return .none }
        return respond(.requestTimedOut)
    }

    private mutating func respond(_ code: ErrorCode) -> Action {
        answer = code
        return .respond(code)
    }
}
