import GRDBSQLite
import Synchronization

/// Watches a partition's write-ahead log: after each commit SQLite reports how many pages the WAL
/// holds, and once that reaches the threshold this hook runs the checkpoint SQLite would have run
/// (PASSIVE, as `PRAGMA wal_autocheckpoint` does) and reports how long it took.
///
/// Installing it replaces SQLite's automatic checkpoint (both use the connection's one WAL hook
/// slot), with the same behaviour. Storage knows nothing of metrics: whoever opens the log passes
/// `observer` and reads `pagesInLog`.
final class WriteAheadLogHook: Sendable {
    let thresholdPages: Int32
    let observer: (@Sendable (Duration) -> Void)?
    private let pages = Atomic<Int32>(0)

    init(thresholdPages: Int, observer: (@Sendable (Duration) -> Void)?) {
        self.thresholdPages = Int32(clamping: thresholdPages)
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
            guard pagesInWAL >= hook.thresholdPages else { return SQLITE_OK }
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
