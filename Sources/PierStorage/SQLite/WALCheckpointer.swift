import Foundation
import GRDB
import GRDBSQLite

/// Copies SQLite partitions' write-ahead logs back into their databases on a background thread,
/// so that appends never wait for a checkpoint. Partitions are known by their `WriteAheadLogHook`,
/// which asks for checkpoints and is told how long each took.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold: that append
/// then writes (and, at NORMAL, syncs) tens of MiB before it returns, which showed as stalls of
/// a quarter of a second in produce latency. Here each partition gets a second connection; after
/// commits this thread runs PASSIVE checkpoints on it, which proceed beside the writer (SQLite's
/// checkpointer and writer locks are distinct) and let the writer restart the WAL from its start
/// once everything is copied. The writer keeps a high automatic threshold as a backstop.
final class WALCheckpointer: @unchecked Sendable {
    static let shared = WALCheckpointer()
    /// Frames of WAL after which a checkpoint is worth running (1024 pages = 4 MiB at 4 KiB pages).
    static let thresholdFrames: Int32 = 1024

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var connections: [ObjectIdentifier: (queue: DatabaseQueue, hook: WriteAheadLogHook)] = [:]
    private var pending: Set<ObjectIdentifier> = []
    private var threadStarted = false

    /// Gives the partition whose writer carries `hook` a checkpoint connection on `path`.
    func register(_ hook: WriteAheadLogHook, path: String) throws {
        var configuration = Configuration()
        configuration.label = path + " (checkpointer)"
        // Briefly busy while the writer finishes a commit or `flush` runs a FULL checkpoint.
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        condition.lock()
        defer { condition.unlock() }
        connections[ObjectIdentifier(hook)] = (queue, hook)
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in run() }
            thread.name = "pier-wal-checkpointer"
            thread.start()
        }
    }

    /// Queues a checkpoint for the partition of `hook` (a no-op for one never registered).
    func checkpointSoon(_ hook: WriteAheadLogHook) {
        condition.lock()
        pending.insert(ObjectIdentifier(hook))
        condition.signal()
        condition.unlock()
    }

    /// Closes the partition's checkpoint connection; its writer closes after.
    func unregister(_ hook: WriteAheadLogHook) {
        condition.lock()
        let entry = connections.removeValue(forKey: ObjectIdentifier(hook))
        pending.remove(ObjectIdentifier(hook))
        condition.unlock()
        // Waits for a checkpoint in progress on it: `DatabaseQueue` serialises.
        try? entry?.queue.close()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let due = pending.compactMap { connections[$0] }
            pending.removeAll()
            condition.unlock()
            for (queue, hook) in due {
                let clock = ContinuousClock()
                let start = clock.now
                // A connection closed meanwhile throws; a busy database is retried at the next commit.
                let ran: Void? = try? queue.inDatabase { db in
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
                if ran != nil { hook.checkpointed(in: clock.now - start) }
            }
        }
    }
}
