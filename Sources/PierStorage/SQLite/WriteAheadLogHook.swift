import GRDBSQLite
import Synchronization

/// Watches a partition's write-ahead log: after each commit SQLite reports how many pages the WAL
/// holds. Past `backgroundThresholdPages` the hook asks `WALCheckpointer` (if registered there) to
/// checkpoint on its own thread; past `thresholdPages` it runs the checkpoint SQLite would have run
/// itself (PASSIVE, as `PRAGMA wal_autocheckpoint` does), inside the commit, as a backstop. Every
/// checkpoint's duration goes to `observer`.
///
/// Installing it replaces SQLite's automatic checkpoint (both use the connection's one WAL hook
/// slot), with the same behaviour. Storage knows nothing of metrics: whoever opens the log passes
/// `observer` and reads `pagesInLog`.
final class WriteAheadLogHook: Sendable {
    let thresholdPages: Int32
    let observer: (@Sendable (Duration) -> Void)?
    private let pages = Atomic<Int32>(0)

    let backgroundThresholdPages: Int32

    init(thresholdPages: Int, backgroundThresholdPages: Int32 = .max, observer: (@Sendable (Duration) -> Void)?) {
        self.thresholdPages = Int32(clamping: thresholdPages)
        self.backgroundThresholdPages = backgroundThresholdPages
        self.observer = observer
    }

    /// Pages in the WAL after the last commit (a checkpoint copies them out; the next commit after
    /// it starts the WAL over, and the count with it).
    var pagesInLog: Int32 { pages.load(ordering: .relaxed) }

    /// Installs the hook on `connection`. The caller keeps `self` alive as long as the connection
    /// (it is captured by the database's configuration), so the unretained pointer stays valid.
    func install(on connection: OpaquePointer) {
        sqlite3_wal_hook(connection, { context, connection, databaseName, pagesInWAL in
            guard let context else { return SQLITE_OK }
            let hook = Unmanaged<WriteAheadLogHook>.fromOpaque(context).takeUnretainedValue()
            hook.pages.store(pagesInWAL, ordering: .relaxed)
            guard pagesInWAL >= hook.thresholdPages else {
                if pagesInWAL >= hook.backgroundThresholdPages { WALCheckpointer.shared.checkpointSoon(hook) }
                return SQLITE_OK
            }
            let clock = ContinuousClock()
            let start = clock.now
            // A checkpoint that cannot finish (readers in the way) is retried at the next commit, as SQLite's is.
            _ = sqlite3_wal_checkpoint_v2(connection, databaseName, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            hook.observer?(clock.now - start)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Reports a checkpoint run outside the hook (a flush).
    func checkpointed(in duration: Duration) {
        observer?(duration)
    }
}
