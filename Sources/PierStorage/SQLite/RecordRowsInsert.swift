import Foundation

/// `record_insert.sql` with its `VALUES` tuple repeated, so one `sqlite3_step` stores many records.
///
/// SQLite spends about 2 000 instructions per statement execution (VDBE start, halt, reset) besides
/// the row itself; a 1000-record batch stored one statement per record paid that 1000 times, as much
/// as the rows. Measured with callgrind on the engine's SQL (docs/benchmarks.md): 40–100 rows per
/// statement is the sweet spot (beyond it SQLite's own bookkeeping of the bound values grows).
/// A batch is stored in chunks of the sizes below, largest first, so any record count takes at most
/// a few statements of each size.
enum RecordRowsInsert {
    /// Rows per statement, largest first; the last must be 1.
    static let chunkSizes = [64, 16, 4, 1]
    /// Bound parameters per row, in `record_insert.sql`'s order.
    static let columnsPerRow: Int32 = 6

    /// The statement's text for `rows` records, parameters numbered row after row.
    static func sql(rows: Int) -> String {
        let single = PartitionSQL.Statement.recordInsert
        guard let values = single.range(of: "VALUES", options: .backwards) else {
            preconditionFailure("record_insert.sql has no VALUES clause")
        }
        let tuples = (0..<rows).map { row in
            "(" + (1...columnsPerRow).map { "?\(Int32(row) * columnsPerRow + $0)" }.joined(separator: ", ") + ")"
        }
        return single[..<values.upperBound] + " " + tuples.joined(separator: ", ")
    }

    /// Compiled once per process; GRDB's statement cache prepares each text once per connection.
    static let sqlByChunkSize: [Int: String] = Dictionary(uniqueKeysWithValues: chunkSizes.map { ($0, sql(rows: $0)) })
}
