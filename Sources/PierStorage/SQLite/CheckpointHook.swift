import GRDBSQLite

/// Runs SQLite's automatic WAL checkpoint itself, so its duration can be reported.
///
/// SQLite's own automatic checkpoint is a WAL hook that runs a PASSIVE checkpoint once a commit
/// leaves at least N pages in the WAL. This hook does the same at the same threshold and hands the
/// time it took to `observer`; installing it replaces SQLite's (`PRAGMA wal_autocheckpoint` and
/// `sqlite3_wal_hook` share one slot). Storage knows nothing of metrics: the observer does.
final class CheckpointHook: Sendable {
    let thresholdPages: Int32
    let observer: @Sendable (Duration) -> Void

    init(thresholdPages: Int, observer: @escaping @Sendable (Duration) -> Void) {
        self.thresholdPages = Int32(clamping: thresholdPages)
        self.observer = observer
    }

    /// Installs the hook on `connection`. The caller keeps `self` alive as long as the connection
    /// (it is captured by the database's configuration), so the unretained pointer stays valid.
    func install(on connection: OpaquePointer) {
        sqlite3_wal_hook(connection, { context, connection, databaseName, pagesInWAL in
            guard let context, pagesInWAL > 0 else { return SQLITE_OK }
            let hook = Unmanaged<CheckpointHook>.fromOpaque(context).takeUnretainedValue()
            guard pagesInWAL >= hook.thresholdPages else { return SQLITE_OK }
            let clock = ContinuousClock()
            let start = clock.now
            // A checkpoint that cannot finish (readers in the way) is retried at the next commit, as SQLite's is.
            _ = sqlite3_wal_checkpoint_v2(connection, databaseName, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            hook.observer(clock.now - start)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
