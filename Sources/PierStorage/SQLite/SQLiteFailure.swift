import GRDB
import GRDBSQLite

/// Maps SQLite result codes onto `StorageError`, so the broker sees Kafka's storage errors.
enum SQLiteFailure {
    /// For a failure while writing: a full disk, an I/O error or a quota is `writeFailed`; a damaged
    /// file is `unreadableStore`.
    static func storageError(code: Int32, message: String, context: String) -> StorageError {
        switch code & 0xFF {
        case SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN, SQLITE_FORMAT:
            return .unreadableStore("\(context): \(message) (SQLite \(code))")
        default:
            return .writeFailed("\(context): \(message) (SQLite \(code))")
        }
    }

    static func storageError(_ error: any Error, context: String) -> StorageError {
        if let storage = error as? StorageError { return storage }
        if let database = error as? DatabaseError {
            return storageError(code: database.extendedResultCode.rawValue, message: database.message ?? "\(database)", context: context)
        }
        return .writeFailed("\(context): \(error)")
    }
}
