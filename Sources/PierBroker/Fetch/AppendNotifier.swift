import Synchronization

/// Wakes long-polling fetches when records are appended to a partition they wait on.
///
/// A fetch that found fewer than `min_bytes` notes each partition's generation before reading,
/// then waits for any of them to move past it or for `max_wait_ms`. Checking the generation under
/// the same lock that parks the waiter closes the race with an append landing between the read and
/// the wait, so a produce always wakes the fetch at once.
final class AppendNotifier<Partition: Hashable & Sendable>: Sendable {
    private struct Waiter {
        var partitions: [Partition]
        /// Nil until the waiting task has parked; a timeout may come first.
        var continuation: CheckedContinuation<Bool, Never>?
    }

    private struct State {
        var generations: [Partition: UInt64] = [:]
        /// Exactly the waits in progress: an entry is made before waiting and removed by whoever ends it.
        var waiters: [UInt64: Waiter] = [:]
        var waitersByPartition: [Partition: Set<UInt64>] = [:]
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// The partition's current generation; read it before reading the log.
    func generation(of partition: Partition) -> UInt64 {
        state.withLock { $0.generations[partition, default: 0] }
    }

    /// Marks new data in `partition` and wakes every fetch waiting on it.
    func appended(to partition: Partition) {
        let woken: [CheckedContinuation<Bool, Never>] = state.withLock { state in
            state.generations[partition, default: 0] &+= 1
            guard let ids = state.waitersByPartition.removeValue(forKey: partition) else { return [] }
            return ids.compactMap { id in Self.remove(id, from: &state)?.continuation }
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Waits until a partition's generation differs from `seen` (true) or `timeout` passes (false).
    func waitForAppend(after seen: [Partition: UInt64], timeout: Duration) async -> Bool {
        guard timeout > .zero else { return false }
        let waiterID = state.withLock { state -> UInt64 in
            defer { state.nextWaiterID += 1 }
            state.waiters[state.nextWaiterID] = Waiter(partitions: Array(seen.keys), continuation: nil)
            return state.nextWaiterID
        }
        let woken = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let immediate: Bool? = self.state.withLock { state in
                        guard var waiter = state.waiters[waiterID] else { return false }  // timed out before parking
                        if seen.contains(where: { state.generations[$0.key, default: 0] != $0.value }) {
                            _ = Self.remove(waiterID, from: &state)
                            return true
                        }
                        waiter.continuation = continuation
                        state.waiters[waiterID] = waiter
                        for partition in seen.keys { state.waitersByPartition[partition, default: []].insert(waiterID) }
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.end(waiterID)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        end(waiterID)
        return woken
    }

    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Ends a wait that is still in progress, resuming its task with false if it had parked.
    private func end(_ id: UInt64) {
        let waiter = state.withLock { Self.remove(id, from: &$0) }
        waiter?.continuation?.resume(returning: false)
    }

    private static func remove(_ id: UInt64, from state: inout State) -> Waiter? {
        guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
        for partition in waiter.partitions {
            state.waitersByPartition[partition]?.remove(id)
            if state.waitersByPartition[partition]?.isEmpty == true { state.waitersByPartition[partition] = nil }
        }
        return waiter
    }
}
