import Foundation
import GRDB
import GRDBSQLite

/// Copies SQLite partitions' write-ahead logs back into their databases on a background thread,
/// so that appends never wait for a checkpoint.
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
    private var connections: [ObjectIdentifier: DatabaseQueue] = [:]
    private var pending: Set<ObjectIdentifier> = []
    private var threadStarted = false

    /// Gives `owner` (a partition log) a checkpoint connection on `path`.
    func register(_ owner: AnyObject, path: String) throws {
        var configuration = Configuration()
        configuration.label = path + " (checkpointer)"
        // Briefly busy while the writer finishes a commit or `flush` runs a FULL checkpoint.
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        condition.lock()
        defer { condition.unlock() }
        connections[ObjectIdentifier(owner)] = queue
        if !threadStarted {
            threadStarted = true
            let thread = Thread { [self] in run() }
            thread.name = "pier-wal-checkpointer"
            thread.start()
        }
    }

    /// Called after a commit that left the WAL at `frames` frames.
    func committed(_ owner: AnyObject, walFrames frames: Int32) {
        guard frames >= Self.thresholdFrames else { return }
        condition.lock()
        pending.insert(ObjectIdentifier(owner))
        condition.signal()
        condition.unlock()
    }

    /// Closes the owner's checkpoint connection; its writer closes after.
    func unregister(_ owner: AnyObject) {
        condition.lock()
        let queue = connections.removeValue(forKey: ObjectIdentifier(owner))
        pending.remove(ObjectIdentifier(owner))
        condition.unlock()
        // Waits for a checkpoint in progress on it: `DatabaseQueue` serialises.
        try? queue?.close()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let due = pending.compactMap { connections[$0] }
            pending.removeAll()
            condition.unlock()
            for queue in due {
                // A connection closed meanwhile throws; a busy database is retried at the next commit.
                try? queue.inDatabase { db in
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
            }
        }
    }
}
