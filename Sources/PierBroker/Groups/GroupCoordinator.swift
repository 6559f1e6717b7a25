import Foundation
import Logging
import NIOCore
import NIOPosix
import PierProtocol
import PierStorage
import Synchronization

/// Runs this broker's consumer groups: the `ConsumerGroup` state machines, the JoinGroup and
/// SyncGroup requests waiting on them, their timeouts, and their persistence in `GroupShards`.
///
/// Every event runs under one lock: the state machine is advanced, the requester's continuation is
/// registered if it must wait, and the deferred responses the event released are resumed after the
/// lock is dropped. Group snapshots are written on a serial queue in the order events happened;
/// offset commits are written before they are acknowledged.
final class GroupCoordinator: Sendable {
    typealias JoinResult = ConsumerGroup.JoinResult
    typealias SyncResult = ConsumerGroup.SyncResult

    private struct State {
        var groups: [String: ConsumerGroup] = [:]
        var persisted: [String: ConsumerGroup.PersistenceMark] = [:]
        var joinWaiters: [String: [String: CheckedContinuation<JoinResult, Never>]] = [:]
        var syncWaiters: [String: [String: CheckedContinuation<SyncResult, Never>]] = [:]
        /// OffsetCommits per group: accepted, and written (or failed). Offset expiry leaves a group
        /// alone while one is in flight, and removes it only if none started since it looked.
        var commitsStarted: [String: Int] = [:]
        var commitsFinished: [String: Int] = [:]
        /// The shards whose groups this broker coordinates; nil: all of them (a coordinator on its own,
        /// without a cluster deciding). Groups of other shards are answered NOT_COORDINATOR.
        var ledShards: Set<Int>?
        /// Shards this broker leads but is still loading: their groups are COORDINATOR_LOAD_IN_PROGRESS.
        var loadingShards: Set<Int> = []
        /// Set once the broker stops: no JoinGroup or SyncGroup waits any more (see `stopWaiting`).
        var stopping = false
    }

    /// Deferred responses to resume once the lock is released.
    private struct Resumptions {
        var joins: [(CheckedContinuation<JoinResult, Never>, JoinResult)] = []
        var syncs: [(CheckedContinuation<SyncResult, Never>, SyncResult)] = []

        func resume() {
            for (continuation, result) in joins { continuation.resume(returning: result) }
            for (continuation, result) in syncs { continuation.resume(returning: result) }
        }
    }

    let shards: GroupShards
    let settings: ConsumerGroup.Settings
    private let storageThreads: NIOThreadPool
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())
    private let persistence = DispatchQueue(label: "pier.groups.persistence")

    init(shards: GroupShards, settings: ConsumerGroup.Settings, storageThreads: NIOThreadPool, logger: Logger,
         clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.shards = shards
        self.settings = settings
        self.storageThreads = storageThreads
        self.logger = logger
        self.clock = clock
    }

    /// Loads the groups of every shard on disk (blocking; at start).
    func load() throws(StorageError) {
        let now = clock()
        var loaded: [String: ConsumerGroup] = [:]
        for shard in shards.existingShards() {
            for stored in try shards.store(shard: shard).loadGroups() {
                loaded[stored.groupID] = ConsumerGroup(restoring: stored, settings: settings, now: now)
            }
        }
        state.withLock { state in
            state.groups = loaded
            state.persisted = loaded.mapValues(\.persistenceMark)
        }
        if !loaded.isEmpty { logger.info("consumer groups loaded", metadata: ["groups": "\(loaded.count)"]) }
    }

    // MARK: Which groups this broker coordinates

    /// From now on only the shards handed over with `takeOver` are coordinated here (a cluster's
    /// shard leaders decide); groups already loaded go.
    func coordinateNoShardsYet() {
        state.withLock { state in
            state.ledShards = []
            state.groups.removeAll()
            state.persisted.removeAll()
        }
    }

    /// This broker now coordinates `shard`: its groups, as its database holds them, are loaded.
    func takeOver(shard: Int) throws(StorageError) {
        let now = clock()
        let stored = try shards.store(shard: shard).loadGroups()
        state.withLock { state in
            for group in stored {
                let restored = ConsumerGroup(restoring: group, settings: settings, now: now)
                state.groups[group.groupID] = restored
                state.persisted[group.groupID] = restored.persistenceMark
            }
            state.ledShards?.insert(shard)
            state.loadingShards.remove(shard)
        }
        if !stored.isEmpty { logger.info("coordinating group shard", metadata: ["shard": "\(shard)", "groups": "\(stored.count)"]) }
    }

    /// This broker now coordinates `shard`, which holds no groups yet.
    func takeOverEmpty(shard: Int) {
        state.withLock { state in
            state.ledShards?.insert(shard)
            state.loadingShards.remove(shard)
        }
    }

    /// This broker leads these shards' journals and is about to load them.
    func beginLoading(shards loading: Set<Int>) {
        guard !loading.isEmpty else { return }
        state.withLock { state in
            guard let led = state.ledShards else { return }
            state.loadingShards.formUnion(loading.subtracting(led))
        }
    }

    /// Another broker coordinates `shard` now: its groups leave memory, and requests waiting on them
    /// are told NOT_COORDINATOR so their clients look for the new coordinator.
    func handOver(shard: Int) {
        var resumptions = Resumptions()
        let handed = state.withLock { state -> Bool in
            state.loadingShards.remove(shard)
            guard state.ledShards?.remove(shard) != nil else { return false }
            for groupID in state.groups.keys where shards.shard(of: groupID) == shard {
                state.groups[groupID] = nil
                state.persisted[groupID] = nil
                for (memberID, waiter) in state.joinWaiters.removeValue(forKey: groupID) ?? [:] {
                    resumptions.joins.append((waiter, .failure(.notCoordinator, memberID: memberID)))
                }
                for waiter in (state.syncWaiters.removeValue(forKey: groupID) ?? [:]).values {
                    resumptions.syncs.append((waiter, .failure(.notCoordinator)))
                }
            }
            return true
        }
        resumptions.resume()
        if handed { logger.info("no longer coordinating group shard", metadata: ["shard": "\(shard)"]) }
    }

    /// Returns once this broker coordinates `groupID`'s shard, or after `limit`.
    func waitUntilCoordinating(_ groupID: String, atMost limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while refusal(for: groupID) != nil && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The error for a request about `groupID` when this broker does not coordinate it, else nil.
    func refusal(for groupID: String) -> ErrorCode? {
        state.withLock { refusal(groupID, $0) }
    }

    private func refusal(_ groupID: String, _ state: State) -> ErrorCode? {
        guard let led = state.ledShards else { return nil }
        let shard = shards.shard(of: groupID)
        if led.contains(shard) { return nil }
        return state.loadingShards.contains(shard) ? .coordinatorLoadInProgress : .notCoordinator
    }

    var coordinatedShards: Set<Int>? { state.withLock { $0.ledShards } }

    // MARK: Membership

    func join(groupID: String, _ request: ConsumerGroup.JoinRequest) async -> JoinResult {
        await withCheckedContinuation { continuation in
            var resumptions = Resumptions()
            let immediate: JoinResult? = state.withLock { state in
                if let refusal = refusal(groupID, state) { return .failure(refusal, memberID: request.memberID) }
                if state.stopping { return .failure(.coordinatorNotAvailable, memberID: request.memberID) }
                var group = state.groups[groupID] ?? ConsumerGroup(groupID: groupID, settings: settings)
                let (outcome, completions) = group.join(request, now: clock())
                state.groups[groupID] = group
                var answer: JoinResult?
                switch outcome {
                case .respond(let result):
                    answer = result
                case .wait(let memberID):
                    if let superseded = state.joinWaiters[groupID, default: [:]].updateValue(continuation, forKey: memberID) {
                        resumptions.joins.append((superseded, .failure(.rebalanceInProgress, memberID: memberID)))
                    }
                }
                collect(completions, groupID: groupID, into: &resumptions, state: &state)
                persistIfChanged(group, state: &state)
                if group.state == .empty && group.members.isEmpty && answer?.error != .noError && state.persisted[groupID] == nil {
                    state.groups[groupID] = nil  // a refused first join leaves no group behind
                }
                return answer
            }
            if let immediate { continuation.resume(returning: immediate) }
            resumptions.resume()
        }
    }

    func sync(groupID: String, memberID: String, generation: Int32, instanceID: String?, protocolType: String?,
              protocolName: String?, assignments: [String: ByteBuffer]) async -> SyncResult {
        await withCheckedContinuation { continuation in
            var resumptions = Resumptions()
            let immediate: SyncResult? = state.withLock { state in
                if let refusal = refusal(groupID, state) { return .failure(refusal) }
                if state.stopping { return .failure(.coordinatorNotAvailable) }
                guard var group = state.groups[groupID] else { return .failure(.unknownMemberId) }
                let (outcome, completions) = group.sync(memberID: memberID, generation: generation, instanceID: instanceID,
                                                        protocolType: protocolType, protocolName: protocolName,
                                                        assignments: assignments, now: clock())
                state.groups[groupID] = group
                var answer: SyncResult?
                switch outcome {
                case .respond(let result):
                    answer = result
                case .wait:
                    if let superseded = state.syncWaiters[groupID, default: [:]].updateValue(continuation, forKey: memberID) {
                        resumptions.syncs.append((superseded, .failure(.rebalanceInProgress)))
                    }
                }
                collect(completions, groupID: groupID, into: &resumptions, state: &state)
                persistIfChanged(group, state: &state)
                return answer
            }
            if let immediate { continuation.resume(returning: immediate) }
            resumptions.resume()
        }
    }

    func heartbeat(groupID: String, memberID: String, generation: Int32, instanceID: String?) -> ErrorCode {
        state.withLock { state in
            if let refusal = refusal(groupID, state) { return refusal }
            guard var group = state.groups[groupID] else { return .unknownMemberId }
            let error = group.heartbeat(memberID: memberID, generation: generation, instanceID: instanceID, now: clock())
            state.groups[groupID] = group
            return error
        }
    }

    func leave(groupID: String, _ departures: [ConsumerGroup.Departure]) -> [ErrorCode] {
        var resumptions = Resumptions()
        let errors = state.withLock { state -> [ErrorCode] in
            if let refusal = refusal(groupID, state) { return departures.map { _ in refusal } }
            guard var group = state.groups[groupID] else { return departures.map { _ in .unknownMemberId } }
            let (errors, completions) = group.leave(departures, now: clock())
            state.groups[groupID] = group
            collect(completions, groupID: groupID, into: &resumptions, state: &state)
            persistIfChanged(group, state: &state)
            return errors
        }
        resumptions.resume()
        return errors
    }

    /// Expires sessions and ends join phases whose time is up; the broker calls it a few times a second.
    func expireDeadlines() {
        var resumptions = Resumptions()
        state.withLock { state in
            let now = clock()
            for (groupID, var group) in state.groups {
                guard let deadline = group.nextDeadline, deadline <= now else { continue }
                let completions = group.expire(now: now)
                state.groups[groupID] = group
                collect(completions, groupID: groupID, into: &resumptions, state: &state)
                persistIfChanged(group, state: &state)
            }
        }
        resumptions.resume()
    }

    private func collect(_ completions: [ConsumerGroup.Completion], groupID: String, into resumptions: inout Resumptions, state: inout State) {
        for completion in completions {
            switch completion {
            case let .join(memberID, result):
                if let waiter = state.joinWaiters[groupID]?.removeValue(forKey: memberID) { resumptions.joins.append((waiter, result)) }
            case let .sync(memberID, result):
                if let waiter = state.syncWaiters[groupID]?.removeValue(forKey: memberID) { resumptions.syncs.append((waiter, result)) }
            }
        }
    }

    private func persistIfChanged(_ group: ConsumerGroup, state: inout State) {
        let mark = group.persistenceMark
        guard state.persisted[group.groupID] != mark else { return }
        state.persisted[group.groupID] = mark
        let snapshot = group.stored
        let shards = shards
        let logger = logger
        let now = clock()
        persistence.async {
            do {
                try shards.perform(.save(snapshot, now: now), groupID: snapshot.groupID)
            } catch {
                logger.error("saving a consumer group failed", metadata: ["group": "\(snapshot.groupID)", "error": "\(error)"])
            }
        }
    }

    // MARK: Offsets

    /// Validates the committer against the group, then stores the positions durably.
    func commitOffsets(groupID: String, memberID: String, generation: Int32, instanceID: String?,
                       offsets: [CommittedOffset]) async -> ErrorCode {
        let error = state.withLock { state -> ErrorCode in
            if let refusal = refusal(groupID, state) { return refusal }
            // A commit to an unknown group creates it (empty), as Kafka does for standalone consumers.
            var group = state.groups[groupID] ?? ConsumerGroup(groupID: groupID, settings: settings)
            let error = group.validateOffsetCommit(memberID: memberID, generation: generation, instanceID: instanceID, now: clock())
            guard error == .noError else { return error }
            state.groups[groupID] = group
            state.commitsStarted[groupID, default: 0] += 1
            persistIfChanged(group, state: &state)
            return .noError
        }
        guard error == .noError else { return error }
        defer { state.withLock { $0.commitsFinished[groupID, default: 0] += 1 } }
        do {
            let shards = shards
            try await storageThreads.runIfActive { try shards.perform(.commit(groupID: groupID, offsets: offsets), groupID: groupID) }
            return .noError
        } catch let unavailable as GroupShardUnavailable {
            logger.notice("offsets not committed", metadata: ["group": "\(groupID)", "reason": "\(unavailable)"])
            return unavailable.errorCode
        } catch {
            logger.error("committing offsets failed", metadata: ["group": "\(groupID)", "error": "\(error)"])
            return .kafkaStorageError
        }
    }

    func committedOffsets(groupID: String) async throws -> [CommittedOffset] {
        let shards = shards
        return try await storageThreads.runIfActive { try shards.store(for: groupID).offsets(groupID: groupID) }
    }

    /// What one expiry pass did.
    struct OffsetExpiry: Sendable, Equatable {
        var expiredOffsets = 0
        /// Groups left without members and offsets, removed as Kafka makes them Dead.
        var removedGroups: [String] = []
    }

    /// `offsets.retention.minutes` (KIP-211): expires the committed offsets of Empty groups, then
    /// removes the Empty groups left with none. A consumer group with members keeps the positions of
    /// topics its members subscribe to and loses the others once they are a retention old, as in
    /// Kafka. The SQL runs on the storage threads; the lock is held only to pick the groups and to
    /// remove them.
    func expireOffsets(retentionMilliseconds: Int64) async throws -> OffsetExpiry {
        let unsubscribed = try await expireUnsubscribedOffsets(retentionMilliseconds: retentionMilliseconds)
        var expiry = try await expireEmptyGroupsOffsets(retentionMilliseconds: retentionMilliseconds)
        expiry.expiredOffsets += unsubscribed
        return expiry
    }

    /// Positions of consumer groups with members for topics none of them subscribes to any more.
    private func expireUnsubscribedOffsets(retentionMilliseconds: Int64) async throws -> Int {
        let now = clock()
        let subscriptions = state.withLock { state in
            state.groups.values.compactMap { group -> (String, Set<String>)? in
                guard group.state != .empty, group.state != .dead, let topics = group.subscribedTopics else { return nil }
                return (group.groupID, topics)
            }
        }
        guard !subscriptions.isEmpty else { return 0 }
        let shards = shards
        return try await storageThreads.runIfActive {
            try subscriptions.reduce(0) { total, entry in
                let outcome = try shards.perform(.expireUnsubscribedOffsets(groupID: entry.0, subscribedTopics: entry.1.sorted(), now: now,
                                                                            retentionMilliseconds: retentionMilliseconds), groupID: entry.0)
                guard case .expiredUnsubscribed(let count) = outcome else { return total }
                return total + count
            }
        }
    }

    private func expireEmptyGroupsOffsets(retentionMilliseconds: Int64) async throws -> OffsetExpiry {
        struct Candidate: Sendable {
            var groupID: String
            var emptySince: Int64?
            var commitsStarted: Int
        }
        let now = clock()
        let candidates = state.withLock { state in
            state.groups.values.compactMap { group -> Candidate? in
                let started = state.commitsStarted[group.groupID] ?? 0
                // A group being committed to waits for the next pass.
                guard group.state == .empty, started == state.commitsFinished[group.groupID] ?? 0 else { return nil }
                return Candidate(groupID: group.groupID, emptySince: group.emptySince, commitsStarted: started)
            }
        }
        guard !candidates.isEmpty else { return OffsetExpiry() }
        let shards = shards
        let outcomes = try await storageThreads.runIfActive {
            try candidates.map { candidate in
                let outcome = try shards.perform(.expireOffsets(groupID: candidate.groupID, emptySince: candidate.emptySince, now: now,
                                                                retentionMilliseconds: retentionMilliseconds), groupID: candidate.groupID)
                guard case let .expired(expired, remaining) = outcome else { return (candidate, 0, -1) }
                return (candidate, expired, remaining)
            }
        }
        var expiry = OffsetExpiry(expiredOffsets: outcomes.reduce(0) { $0 + $1.1 })
        state.withLock { state in
            for (candidate, _, remaining) in outcomes where remaining == 0 {
                // Only if nothing happened to it since it was picked: no member came, no commit started.
                guard var group = state.groups[candidate.groupID], group.state == .empty, group.emptySince == candidate.emptySince,
                      state.commitsStarted[candidate.groupID] ?? 0 == candidate.commitsStarted, group.markDeleted() == .noError else { continue }
                forget(candidate.groupID, state: &state)
                expiry.removedGroups.append(candidate.groupID)
                removeFromStore(candidate.groupID)
            }
        }
        return expiry
    }

    /// Drops a group from memory (deleted or expired).
    private func forget(_ groupID: String, state: inout State) {
        state.groups[groupID] = nil
        state.persisted[groupID] = nil
        // A commit still in flight counts on the group's tallies when it ends; they go once it has.
        if state.commitsStarted[groupID] == state.commitsFinished[groupID] {
            state.commitsStarted[groupID] = nil
            state.commitsFinished[groupID] = nil
        }
    }

    /// Queued under the lock, so a snapshot of a group created again under the name comes after it.
    private func removeFromStore(_ groupID: String) {
        let shards = shards
        let logger = logger
        persistence.async {
            do {
                try shards.perform(.deleteGroupIfNoOffsets(groupID), groupID: groupID)
            } catch {
                logger.error("removing an expired consumer group failed", metadata: ["group": "\(groupID)", "error": "\(error)"])
            }
        }
    }

    // MARK: Administration

    struct Listing: Sendable, Equatable {
        var groupID: String
        var protocolType: String
        var state: GroupState
    }

    func listGroups() -> [Listing] {
        state.withLock { state in
            state.groups.values.filter { $0.state != .dead }
                .map { Listing(groupID: $0.groupID, protocolType: $0.protocolType ?? "", state: $0.state) }
                .sorted { $0.groupID < $1.groupID }
        }
    }

    func group(_ groupID: String) -> ConsumerGroup? {
        state.withLock { $0.groups[groupID] }
    }

    /// DeleteGroups: member-less groups go with their offsets; others get NON_EMPTY_GROUP.
    func deleteGroup(_ groupID: String) async -> ErrorCode {
        let error = state.withLock { state -> ErrorCode in
            if let refusal = refusal(groupID, state) { return refusal }
            guard var group = state.groups[groupID] else { return .groupIdNotFound }
            let error = group.markDeleted()
            guard error == .noError else { return error }
            forget(groupID, state: &state)
            return .noError
        }
        guard error == .noError else { return error }
        let shards = shards
        let persistence = persistence
        do {
            // After any snapshot still queued for it, so the delete is the last word.
            try await storageThreads.runIfActive {
                try persistence.sync { try shards.perform(.deleteGroup(groupID), groupID: groupID) }
            }
            return .noError
        } catch {
            logger.error("deleting a consumer group failed", metadata: ["group": "\(groupID)", "error": "\(error)"])
            return .kafkaStorageError
        }
    }

    func deleteOffsets(groupID: String, partitions: [(topic: String, partition: Int32)]) async throws {
        let shards = shards
        let keys = partitions.map { GroupOperation.OffsetKey(topic: $0.topic, partition: $0.partition) }
        try await storageThreads.runIfActive { try shards.perform(.deleteOffsets(groupID: groupID, partitions: keys), groupID: groupID) }
    }

    /// DeleteTopics: every group's committed offsets for `topic` go with it, as Kafka drops them from
    /// `__consumer_offsets`, so a topic created again under the name starts with no stale positions.
    /// Blocking: runs on the caller's (storage) thread, after snapshots already queued.
    func forgetOffsets(ofTopic topic: String) throws {
        let shards = shards
        let led = state.withLock { $0.ledShards }
        try persistence.sync {
            for shard in shards.existingShards() where led?.contains(shard) ?? true {
                try shards.perform(.deleteOffsetsOfTopic(topic), shard: shard)
            }
        }
    }

    /// Answers every JoinGroup and SyncGroup waiting on a rebalance, and every one that comes later,
    /// with COORDINATOR_NOT_AVAILABLE, so clients look for the next coordinator: a stopping broker
    /// would otherwise hold their connections (and its own stop) for up to the rebalance timeout.
    func stopWaiting() {
        let waiters = state.withLock { state in
            state.stopping = true
            defer {
                state.joinWaiters.removeAll()
                state.syncWaiters.removeAll()
            }
            return (state.joinWaiters, state.syncWaiters)
        }
        for waiting in waiters.0.values { for (id, waiter) in waiting { waiter.resume(returning: .failure(.coordinatorNotAvailable, memberID: id)) } }
        for waiting in waiters.1.values { for waiter in waiting.values { waiter.resume(returning: .failure(.coordinatorNotAvailable)) } }
    }

    /// Ends every wait, waits for queued snapshots, then closes the shards (shutdown).
    func close() {
        stopWaiting()
        persistence.sync {}
        shards.closeAll()
    }
}
