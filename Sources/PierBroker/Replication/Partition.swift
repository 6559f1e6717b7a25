import PierCoordination
import PierProtocol

/// One partition's replication state on this broker, as a value: its role (leader for an epoch,
/// follower of a broker, or neither), log end, high watermark, in-sync replicas and, when leading,
/// each follower's position. Events move the state and return what the owner (`ReplicaManager`)
/// must do: record a leader epoch in the log, start or stop fetching, persist the high watermark,
/// write an ISR change to the coordination store. Nothing here touches a log, a socket or a clock;
/// times come in with the events, in milliseconds.
struct Partition: Sendable, Equatable {
    enum Role: Sendable, Equatable {
        /// Not a replica, or no leader elected: serves nothing.
        case none
        case leader(epoch: Int32)
        case follower(leader: Int32, epoch: Int32)
    }

    /// What the leader knows of one follower, from its fetches.
    struct FollowerProgress: Sendable, Equatable {
        /// Nil until the follower's first fetch since this broker became leader.
        var logEndOffset: Int64?
        var lastCaughtUpMilliseconds: Int64
        /// The leader's log end and the time of the follower's previous fetch: a follower that has
        /// since reached what the leader had then was caught up at that time (Kafka's rule).
        var previousFetchLeaderLogEnd: Int64
        var previousFetchMilliseconds: Int64
    }

    enum ISRChange: Sendable, Equatable {
        case shrink, expand
    }

    enum Action: Sendable, Equatable {
        /// Record in the log's leader-epoch cache that `epoch` starts at `startOffset`.
        case recordLeaderEpoch(Int32, startOffset: Int64)
        /// Truncate by leader epoch, then fetch from `leader`.
        case startFetching(from: Int32, epoch: Int32)
        case stopFetching
        /// Persist the new high watermark and wake whoever waits on it.
        case persistHighWatermark(Int64)
        /// Write the state with a new ISR by compare-and-set; report the outcome with
        /// `isrWritten` or `isrWriteFailed`.
        case writeISR(PartitionState, expectedVersion: Int32, ISRChange)
    }

    /// How the partition answers a client that names `current_leader_epoch`.
    enum Leadership: Sendable, Equatable {
        /// `leadingSince`: the epoch since which this broker has led without a break (a new epoch
        /// with the same leader, e.g. the controller dropping a gone follower, is no break).
        case leading(epoch: Int32, leadingSince: Int32, isrCount: Int, highWatermark: Int64)
        /// The error, and the leader as this broker knows it (for `current_leader` in responses).
        case refused(ErrorCode, leader: Int32, leaderEpoch: Int32)
    }

    let localBroker: Int32
    private(set) var role: Role = .none
    private(set) var replicas: [Int32] = []
    /// The state as last read from, or written to, the coordination store.
    private(set) var state: PartitionState?
    private(set) var znodeVersion: Int32 = -1
    private(set) var logEndOffset: Int64
    private(set) var highWatermark: Int64
    private(set) var followers: [Int32: FollowerProgress] = [:]
    /// An ISR this leader wrote and the store has not confirmed yet; at most one at a time.
    private(set) var pendingISR: [Int32]?
    /// Where the current leader epoch began: a follower rejoins the ISR only once it has reached it.
    private(set) var leaderEpochStartOffset: Int64 = 0
    /// The epoch this broker's current, unbroken leadership began in; nil when not leading.
    private(set) var leadingSinceEpoch: Int32?

    init(localBroker: Int32, logEndOffset: Int64, highWatermark: Int64) {
        self.localBroker = localBroker
        self.logEndOffset = logEndOffset
        self.highWatermark = highWatermark
    }

    var isr: [Int32] { state?.isr ?? [] }

    /// KIP-497's maximal ISR: while a change is in flight, the high watermark counts every replica of
    /// the old and the new set, so neither an expansion nor a shrink can commit a record early.
    var maximalISR: [Int32] {
        guard let pendingISR else { return isr }
        return isr + pendingISR.filter { !isr.contains($0) }
    }

    var isLeader: Bool {
        if case .leader = role { return true }
        return false
    }

    var leaderEpoch: Int32 { state?.leaderEpoch ?? -1 }

    // MARK: Events

    /// The coordination store's state for the partition was (re)read. Versions at or below the one
    /// already applied change nothing, so the watcher may repeat itself, except that the version
    /// applied may come again with another replica set: a reassignment writes the topic's assignment
    /// and the state together, and the watcher may deliver the state before the assignment.
    /// `logEndOffset` is the log's as it is now (a new leader epoch starts there); nil keeps the one last reported.
    mutating func stateRead(replicas: [Int32], state: PartitionState, znodeVersion: Int32, logEndOffset current: Int64? = nil, now: Int64) -> [Action] {
        guard self.state == nil || znodeVersion > self.znodeVersion || (znodeVersion == self.znodeVersion && replicas != self.replicas) else {
            return []
        }
        if let current { logEndOffset = current }
        let previous = role
        self.replicas = replicas
        self.state = state
        // An ISR write in flight stays in flight when only the replica set came again.
        if znodeVersion != self.znodeVersion { pendingISR = nil }
        self.znodeVersion = znodeVersion
        guard replicas.contains(localBroker), state.leader >= 0 else {
            role = .none
            leadingSinceEpoch = nil
            followers = [:]
            if case .follower = previous { return [.stopFetching] }
            return []
        }
        if state.leader == localBroker {
            if previous == .leader(epoch: state.leaderEpoch) {
                // Same epoch, other replicas: followers that joined start unknown, those removed are forgotten.
                followers = followerProgress(of: replicas, keeping: followers, now: now)
                return advanceHighWatermark()
            }
            // A new leader does not know where its followers are; it gives each the full lag time to
            // show up. A leader in a new epoch keeps what it knows of the followers it had.
            let known = isLeader ? followers : [:]
            if !isLeader { leadingSinceEpoch = state.leaderEpoch }
            role = .leader(epoch: state.leaderEpoch)
            leaderEpochStartOffset = logEndOffset
            followers = followerProgress(of: replicas, keeping: known, now: now)
            var actions: [Action] = []
            if case .follower = previous { actions.append(.stopFetching) }
            actions.append(.recordLeaderEpoch(state.leaderEpoch, startOffset: logEndOffset))
            return actions + advanceHighWatermark()
        }
        followers = [:]
        leadingSinceEpoch = nil
        let following = Role.follower(leader: state.leader, epoch: state.leaderEpoch)
        guard previous != following else { return [] }
        role = following
        return [.startFetching(from: state.leader, epoch: state.leaderEpoch)]
    }

    /// Each follower among `replicas` with what `known` says of it, or an unknown position and the
    /// full lag time from `now` to show up.
    private func followerProgress(of replicas: [Int32], keeping known: [Int32: FollowerProgress], now: Int64) -> [Int32: FollowerProgress] {
        Dictionary(uniqueKeysWithValues: replicas.filter { $0 != localBroker }.map {
            ($0, known[$0] ?? FollowerProgress(logEndOffset: nil, lastCaughtUpMilliseconds: now, previousFetchLeaderLogEnd: 0, previousFetchMilliseconds: now))
        })
    }

    /// An append to this (leading) replica's log committed; `logEndOffset` is the log end after it.
    mutating func appendCommitted(logEndOffset: Int64) -> [Action] {
        self.logEndOffset = max(self.logEndOffset, logEndOffset)
        guard isLeader else { return [] }
        return advanceHighWatermark()
    }

    /// A follower fetched from `fetchOffset`: it has everything before it.
    mutating func followerFetched(_ replica: Int32, fetchOffset: Int64, now: Int64) -> [Action] {
        // A follower past the log end diverged and must truncate first; its offset proves nothing.
        guard isLeader, var progress = followers[replica], fetchOffset <= logEndOffset else { return [] }
        if fetchOffset >= logEndOffset {
            progress.lastCaughtUpMilliseconds = max(progress.lastCaughtUpMilliseconds, now)
        } else if fetchOffset >= progress.previousFetchLeaderLogEnd {
            progress.lastCaughtUpMilliseconds = max(progress.lastCaughtUpMilliseconds, progress.previousFetchMilliseconds)
        }
        progress.previousFetchLeaderLogEnd = logEndOffset
        progress.previousFetchMilliseconds = now
        progress.logEndOffset = fetchOffset
        followers[replica] = progress
        var actions: [Action] = []
        if let state, pendingISR == nil, !isr.contains(replica), fetchOffset >= highWatermark, fetchOffset >= leaderEpochStartOffset {
            let expanded = isr + [replica]
            pendingISR = expanded
            var written = state
            written.isr = expanded
            actions.append(.writeISR(written, expectedVersion: znodeVersion, .expand))
        }
        return actions + advanceHighWatermark()
    }

    /// The periodic check: in-sync followers that have not been caught up for `maxLagMilliseconds`
    /// (`replica.lag.time.max.ms`) leave the ISR.
    mutating func lagTimerFired(now: Int64, maxLagMilliseconds: Int64) -> [Action] {
        guard isLeader, pendingISR == nil, let state else { return [] }
        let lagging = isr.filter { replica in
            guard replica != localBroker else { return false }
            guard let progress = followers[replica] else { return true }  // in the ISR but no longer a replica
            return now - progress.lastCaughtUpMilliseconds > maxLagMilliseconds
        }
        guard !lagging.isEmpty else { return [] }
        let shrunk = isr.filter { !lagging.contains($0) }
        pendingISR = shrunk
        var written = state
        written.isr = shrunk
        return [.writeISR(written, expectedVersion: znodeVersion, .shrink)]
    }

    /// The ISR change was stored at `znodeVersion`.
    mutating func isrWritten(_ written: PartitionState, znodeVersion: Int32) -> [Action] {
        guard znodeVersion > self.znodeVersion else { return [] }
        state = written
        self.znodeVersion = znodeVersion
        pendingISR = nil
        return advanceHighWatermark()
    }

    /// The compare-and-set failed (someone else changed the state): the owner re-reads it.
    mutating func isrWriteFailed() {
        pendingISR = nil
    }

    /// Follower side: batches from the leader were appended; the high watermark follows the
    /// leader's, but never past what this replica has.
    mutating func fetchedFromLeader(logEndOffset: Int64, leaderHighWatermark: Int64) -> [Action] {
        self.logEndOffset = logEndOffset
        let bounded = min(leaderHighWatermark, logEndOffset)
        guard bounded > highWatermark else { return [] }
        highWatermark = bounded
        return [.persistHighWatermark(bounded)]
    }

    /// Follower side: the log was cut back to `logEndOffset` (divergence from the leader).
    mutating func truncated(logEndOffset: Int64, highWatermark: Int64) {
        self.logEndOffset = logEndOffset
        self.highWatermark = min(highWatermark, logEndOffset)
    }

    // MARK: Questions

    /// Whether this broker serves the partition as leader to a client that names
    /// `currentLeaderEpoch` (-1: any). Checked in Kafka's order: the epoch first (older:
    /// FENCED_LEADER_EPOCH, newer: UNKNOWN_LEADER_EPOCH), then the role (NOT_LEADER_OR_FOLLOWER).
    func leadership(currentLeaderEpoch: Int32 = -1) -> Leadership {
        let leader = state?.leader ?? -1
        if currentLeaderEpoch >= 0, state != nil {
            if currentLeaderEpoch < leaderEpoch { return .refused(.fencedLeaderEpoch, leader: leader, leaderEpoch: leaderEpoch) }
            if currentLeaderEpoch > leaderEpoch { return .refused(.unknownLeaderEpoch, leader: leader, leaderEpoch: leaderEpoch) }
        }
        guard case .leader(let epoch) = role else {
            return .refused(.notLeaderOrFollower, leader: leader, leaderEpoch: leaderEpoch)
        }
        return .leading(epoch: epoch, leadingSince: leadingSinceEpoch ?? epoch, isrCount: isr.count, highWatermark: highWatermark)
    }

    /// Leading with fewer in-sync replicas than replicas.
    var isUnderReplicated: Bool { isLeader && isr.count < replicas.count }

    // MARK: High watermark

    /// The smallest log end over the (maximal) ISR; it never moves back, and a follower whose
    /// position is not known yet holds it where it is.
    private mutating func advanceHighWatermark() -> [Action] {
        var candidate = logEndOffset
        for replica in maximalISR where replica != localBroker {
            guard let end = followers[replica]?.logEndOffset else { return [] }
            candidate = min(candidate, end)
        }
        guard candidate > highWatermark else { return [] }
        highWatermark = candidate
        return [.persistHighWatermark(candidate)]
    }
}
