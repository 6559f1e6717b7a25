import Foundation
import GRDB

/// Opens a partition's SQLite file: WAL mode, pragmas for the flush policy, a check that the file
/// is Pier's (and not from a newer Pier), then the schema migrations from `schema/sqlite/partition`.
enum PartitionDatabase {
    static let fileName = "partition.sqlite"
    /// `PRAGMA application_id` of a Pier partition: "PIER" in ASCII, so `file(1)` and tools can tell.
    static let applicationID: Int32 = 0x5049_4552

    /// Pages of WAL past which the writer checkpoints itself (each copy syncs both files). Normally
    /// `WALCheckpointer` copies the WAL back long before, on its own thread; this is the backstop
    /// should it fall behind.
    static let walAutocheckpointPages = 16_384
    static let mmapBytes = 256 << 20

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in PartitionSQL.migrations {
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// `walHook`, when given, takes over the automatic checkpoint: it measures checkpoints and hands
    /// them to `WALCheckpointer` when it is asked to.
    static func open(directory: String, options: SQLitePartitionLogOptions, walHook: WriteAheadLogHook? = nil) throws(StorageError) -> DatabaseQueue {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed("creating \(directory): \(error)")
        }
        let path = directory + "/" + fileName
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = false
        configuration.label = path
        // The background checkpointer may hold the checkpoint lock when `flush` wants it.
        configuration.busyMode = .timeout(10)
        let synchronous = options.flushPolicy == .everyAppend ? "FULL" : "NORMAL"
        let maxPageCount = options.maxPageCount
        let pageCacheKibibytes = max(options.pageCacheBytes >> 10, 0)
        configuration.prepareDatabase { db in
            // The closure (kept by the connection's configuration) holds the hook as long as the connection lives.
            if let walHook, let connection = db.sqliteConnection {
                walHook.install(on: connection)
            } else {
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(walAutocheckpointPages)")
            }
            // Reads map the file instead of copying pages through SQLite's cache.
            _ = try Int.fetchOne(db, sql: "PRAGMA mmap_size = \(mmapBytes)")
            // A negative cache_size counts KiB rather than pages.
            try db.execute(sql: "PRAGMA cache_size = -\(pageCacheKibibytes)")
            if let maxPageCount { _ = try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw unreadable(path, error)
        }
        do {
            // FULL syncs the WAL on every commit; NORMAL only at checkpoints, which in WAL mode still
            // survives a crash of the process (not of the machine). Set here, not in prepareDatabase:
            // GRDB switches to WAL after prepareDatabase and sets synchronous = NORMAL as it does.
            try queue.inDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
            try queue.inDatabase { db in try checkOwnership(db, path: path) }
            // The first migration also sets the application_id, so a file is marked the moment it has tables.
            try migrator().migrate(queue)
        } catch let error as StorageError {
            try? queue.close()
            throw error
        } catch {
            try? queue.close()
            throw unreadable(path, error)
        }
        return queue
    }

    private static func unreadable(_ path: String, _ error: any Error) -> StorageError {
        if let database = error as? DatabaseError, database.resultCode == .SQLITE_FULL || database.resultCode == .SQLITE_IOERR {
            return .writeFailed("\(path): \(database.message ?? "\(database)")")
        }
        return .unreadableStore("\(path): \(error)")
    }

    /// Refuses a database another program made, or one a newer Pier migrated further.
    private static func checkOwnership(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        let foreignTables = tables.filter { $0 != "grdb_migrations" }
        if applicationID != self.applicationID && (applicationID != 0 || !foreignTables.isEmpty) {
            throw StorageError.unreadableStore("\(path) is not a Pier partition (application_id \(applicationID), tables \(tables))")
        }
        guard tables.contains("grdb_migrations") else { return }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        let known = Set(PartitionSQL.migrations.map(\.identifier))
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw StorageError.unreadableStore("\(path) was written by a newer Pier (migrations \(unknown))")
        }
    }
}
