import Foundation
import GRDBSQLite

/// `pier sql`: one read-only SQL query over the SQLite partitions of a data directory.
///
/// An in-memory connection attaches each partition file read-only (`?mode=ro`, so WAL lets a
/// running broker go on writing) and defines, per topic, a TEMP view named after the topic:
/// the UNION ALL of its partitions' `records` with the columns `partition`, `offset`,
/// `timestamp`, `key`, `value`, `headers` and the text forms of `records_text`
/// (`time`, `key_text`, `value_text`, `headers_json`).
///
/// SQLite attaches at most `SQLITE_MAX_ATTACHED` databases (10 unless compiled otherwise, 125 at
/// most); the limit is raised as far as the library allows. Only topics the query names are
/// attached; when their partitions still number more than the limit, the rest are copied one
/// at a time into TEMP tables first (correct, but slower and using temporary space).
public final class SQLQuery {
    public enum Value: Equatable, Sendable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    private var db: OpaquePointer?
    public private(set) var attachLimit: Int32 = 0
    /// Partitions copied into TEMP tables because the attach limit was reached.
    public private(set) var copiedPartitions = 0

    public init(dataDirectory: String, query: String) throws {
        let layout = try DataDirectoryLayout.scan(dataDirectory)
        guard sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, nil) == SQLITE_OK else {
            throw ToolFailure("cannot open an in-memory SQLite database")
        }
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 125)
        attachLimit = sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, -1)
        let words = Self.words(in: query)
        let named = layout.topics.filter { words.contains($0) }
        for topic in named {
            guard layout.partitions(of: topic).allSatisfy(\.isSQLite) else {
                throw ToolFailure("topic '\(topic)' uses the segment engine; pier sql reads SQLite partitions only (see pier dump-log)")
            }
        }
        try defineViews(for: named.flatMap { layout.partitions(of: $0) })
    }

    deinit { sqlite3_close_v2(db) }

    /// The words of a query that could name a topic: runs of the characters topic names allow
    /// (letters, digits, '.', '_', '-'), whole and split at dots (`audit.value` names `audit`).
    static func words(in query: String) -> Set<String> {
        let topicCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var words = Set<String>()
        for word in query.components(separatedBy: topicCharacters.inverted) where !word.isEmpty {
            words.insert(word)
            for part in word.split(separator: ".") { words.insert(String(part)) }
        }
        return words
    }

    /// The columns of one partition in a topic view; the text forms are `records_text`'s
    /// (schema/sqlite/partition/007-views.sql).
    private static func partitionSelect(partition: Int32, source: String) -> String {
        """
        SELECT \(partition) AS "partition", r."offset", r.timestamp, r.key, r.value, r.headers,
            strftime('%Y-%m-%dT%H:%M:%f', r.timestamp / 1000.0, 'unixepoch') || 'Z' AS time,
            CASE WHEN r.key IS NULL THEN NULL WHEN instr(r.key, x'00') > 0 THEN 'x''' || hex(r.key) || '''' ELSE CAST(r.key AS TEXT) END AS key_text,
            CASE WHEN r.value IS NULL THEN NULL WHEN instr(r.value, x'00') > 0 THEN 'x''' || hex(r.value) || '''' ELSE CAST(r.value AS TEXT) END AS value_text,
            CASE typeof(r.headers) WHEN 'text' THEN r.headers WHEN 'blob' THEN json_quote('x''' || hex(r.headers) || '''') END AS headers_json
        FROM \(source) AS r
        """
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func fileURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?mode=ro"
    }

    private func defineViews(for partitions: [DataDirectoryLayout.Partition]) throws {
        // One attachment is kept free for copying the partitions beyond the limit.
        let directSlots = partitions.count <= Int(attachLimit) ? partitions.count : Int(attachLimit) - 1
        var sources: [String: [String]] = [:]
        for (index, partition) in partitions.enumerated() {
            let file = Self.fileURI(partition.directory + "/partition.sqlite")
            let source: String
            if index < directSlots {
                let schema = "p\(index)"
                try execute("ATTACH DATABASE '\(file.replacingOccurrences(of: "'", with: "''"))' AS \(schema)")
                source = "\(schema).records"
            } else {
                let table = "temp.copy\(index)"
                try execute("ATTACH DATABASE '\(file.replacingOccurrences(of: "'", with: "''"))' AS copying")
                try execute("CREATE TABLE \(table) AS SELECT \"offset\", timestamp, key, value, headers FROM copying.records")
                try execute("DETACH DATABASE copying")
                copiedPartitions += 1
                source = table
            }
            sources[partition.topic, default: []].append(Self.partitionSelect(partition: partition.partition, source: source))
        }
        for (topic, selects) in sources {
            try execute("CREATE TEMP VIEW \(Self.quoted(topic)) AS " + selects.joined(separator: "\nUNION ALL\n"))
        }
    }

    private func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "error \(sqlite3_errcode(db))"
            sqlite3_free(message)
            throw ToolFailure("SQLite: \(text)")
        }
    }

    /// Runs `query` (read-only: writes are refused) and hands each row to `row` after the column
    /// names to `columns`.
    public func run(_ query: String, columns: ([String]) throws -> Void, row: ([Value]) throws -> Void) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, query, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw ToolFailure("SQL error: \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_stmt_readonly(statement) != 0 else { throw ToolFailure("pier sql runs read-only queries only") }
        let count = sqlite3_column_count(statement)
        try columns((0..<count).map { String(cString: sqlite3_column_name(statement, $0)) })
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw ToolFailure("SQL error: \(String(cString: sqlite3_errmsg(db)))") }
            try row((0..<count).map { Self.value(statement, $0) })
        }
    }

    private static func value(_ statement: OpaquePointer, _ column: Int32) -> Value {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(statement, column)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }
}
