import GRDB
import GRDBSQLite
import NIOCore
import PierRecords

/// A SQLite partition opened read-only (`SQLITE_OPEN_READONLY`): the schema is not migrated, no
/// state is written, and in WAL mode the broker keeps writing while this reads.
final class ReadOnlySQLitePartition: ReadOnlyPartition {
    let directory: String
    private let queue: DatabaseQueue
    private(set) var logStartOffset: Int64 = 0
    private(set) var logEndOffset: Int64 = 0

    init(directory: String) throws(StorageError) {
        self.directory = directory
        let path = directory + "/" + PartitionDatabase.fileName
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = path
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw .unreadableStore("\(path): \(error)")
        }
        try refresh()
    }

    /// Reads the log start and end as they are now.
    private func refresh() throws(StorageError) {
        try inDatabase { db throws(StorageError) in
            let state = try RawStatement(db, sql: PartitionSQL.Statement.stateFetch)
            defer { state.reset() }
            let name = "log_start_offset"
            name.utf8CString.withUnsafeBytes { state.bindText(1, UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
            logStartOffset = try state.step("reading the log start") ? state.int64(0) : 0
            let last = try RawStatement(db, sql: PartitionSQL.Statement.batchLast)
            defer { last.reset() }
            logEndOffset = try last.step("reading the log end") ? max(last.int64(0) + 1, logStartOffset) : logStartOffset
        }
    }

    private func inDatabase<T>(_ body: (Database) throws(StorageError) -> T) throws(StorageError) -> T {
        var failure: StorageError?
        let result: T? = queue.inDatabase { db -> T? in
            do throws(StorageError) { return try body(db) } catch {
                failure = error
                return nil
            }
        }
        if let failure { throw failure }
        return result!
    }

    func offset(forTimestamp timestamp: Int64) throws(StorageError) -> Int64? {
        let start = logStartOffset
        return try inDatabase { db throws(StorageError) in
            try SQLitePartitionLog.firstRecord(withTimestampAtLeast: timestamp, logStart: start, db)?.offset
        }
    }

    func readRecords(in range: Range<Int64>, _ visit: (StoredRecord) throws -> Bool) throws -> Int64 {
        var next = range.lowerBound
        var visitError: (any Error)?
        try inDatabase { db throws(StorageError) in
            let fetch = try RawStatement(db, sql: PartitionSQL.Statement.recordsFetch)
            defer { fetch.reset() }
            fetch.bind(1, range.lowerBound)
            fetch.bind(2, range.upperBound - 1)
            while try fetch.step("reading records from \(range.lowerBound)") {
                let record = try SQLitePartitionLog.storedRecord(fetch)
                let offset = record.offset
                do {
                    guard try visit(record) else { next = offset + 1; return }
                } catch {
                    visitError = error
                    return
                }
                next = offset + 1
            }
            next = max(next, min(range.upperBound, logEndOffset))
        }
        if let visitError { throw visitError }
        return next
    }

    func close() {
        try? queue.close()
    }
}
