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
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var generations: [Partition: UInt64] = [:]
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
            return state.nextWaiterID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let alreadyChanged = self.state.withLock { state -> Bool in
                        if seen.contains(where: { state.generations[$0.key, default: 0] != $0.value }) { return true }
                        state.waiters[waiterID] = Waiter(partitions: Array(seen.keys), continuation: continuation)
                        for partition in seen.keys { state.waitersByPartition[partition, default: []].insert(waiterID) }
                        return false
                    }
                    if alreadyChanged { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.cancel(waiterID)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            self.cancel(waiterID)
            return first
        }
    }

    var waitingCount: Int { state.withLock { $0.waiters.count } }

    /// Resumes a waiter that timed out or was abandoned, so its continuation never leaks.
    private func cancel(_ id: UInt64) {
        let waiter = state.withLock { Self.remove(id, from: &$0) }
        waiter?.continuation.resume(returning: false)
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
