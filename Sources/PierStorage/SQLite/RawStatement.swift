import GRDB
import GRDBSQLite

/// A statement from GRDB's per-connection cache (prepared once), driven through SQLite's C API:
/// bind, step, read columns, reset. Blobs are bound with `SQLITE_STATIC`, i.e. without a copy;
/// the caller keeps the bytes alive until the step.
struct RawStatement {
    let handle: OpaquePointer
    private let database: Database

    init(_ db: Database, sql: String) throws(StorageError) {
        do {
            handle = try db.cachedStatement(sql: sql).sqliteStatement
        } catch {
            throw SQLiteFailure.storageError(error, context: "preparing statement")
        }
        database = db
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    @inline(__always) func bindNull(_ index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// nil binds NULL; an empty buffer binds an empty (not NULL) blob.
    @inline(__always) func bindBlob(_ index: Int32, _ bytes: UnsafeRawBufferPointer?) {
        guard let bytes else { sqlite3_bind_null(handle, index); return }
        if bytes.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
        } else {
            sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), nil)
        }
    }

    @inline(__always) func bindText(_ index: Int32, _ utf8: UnsafeRawBufferPointer) {
        guard let base = utf8.baseAddress, !utf8.isEmpty else {
            sqlite3_bind_text(handle, index, "", 0, nil)
            return
        }
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(utf8.count), nil)
    }

    /// Runs a statement that returns no rows.
    @inline(__always) func execute(_ context: @autoclosure () -> String) throws(StorageError) {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code, context()) }
    }

    /// Resets after a step made by the caller (blob bindings need the bytes alive around the
    /// step, so the caller steps inside its closure), and throws unless it completed.
    @inline(__always) func finish(_ code: Int32, _ context: @autoclosure () -> String) throws(StorageError) {
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw failure(code, context()) }
    }

    /// Next row: true while there is one.
    @inline(__always) func step(_ context: @autoclosure () -> String) throws(StorageError) -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        sqlite3_reset(handle)
        throw failure(code, context())
    }

    @inline(__always) func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    @inline(__always) func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    @inline(__always) func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    @inline(__always) func columnType(_ column: Int32) -> Int32 { sqlite3_column_type(handle, column) }

    /// The column's bytes, valid until the next step or reset; nil for NULL.
    @inline(__always) func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        if sqlite3_column_type(handle, column) == SQLITE_NULL { return nil }
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: count)
    }

    private func failure(_ code: Int32, _ context: String) -> StorageError {
        let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        return SQLiteFailure.storageError(code: sqlite3_extended_errcode(sqlite3_db_handle(handle)), message: message, context: context)
    }
}
