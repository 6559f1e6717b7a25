import NIOCore

/// How `pier sql` prints rows.
public enum SQLResultFormat: String, CaseIterable, Sendable {
    /// Aligned columns with a header line (rows are collected first).
    case table
    /// RFC 4180: a header line, fields quoted when they hold a comma, quote or line break.
    case csv
    /// One JSON object a line, keyed by column name.
    case json
}

/// Turns `SQLQuery` rows into text lines.
public struct SQLResultWriter {
    public let format: SQLResultFormat
    private var columns: [String] = []
    private var table = TextTable(header: [])

    public init(format: SQLResultFormat) { self.format = format }

    /// Lines to print now (nothing for a table, which prints at the end).
    public mutating func begin(columns: [String]) -> [String] {
        self.columns = columns
        table = TextTable(header: columns)
        return format == .csv ? [columns.map(Self.csvField).joined(separator: ",")] : []
    }

    public mutating func add(_ row: [SQLQuery.Value]) -> [String] {
        switch format {
        case .table:
            table.rows.append(row.map(Self.text))
            return []
        case .csv:
            return [row.map { $0 == .null ? "" : Self.csvField(Self.text($0)) }.joined(separator: ",")]
        case .json:
            var line = "{"
            for (index, value) in row.enumerated() {
                if index > 0 { line.append(",") }
                JSONText.appendString(columns[index], to: &line)
                line.append(":")
                switch value {
                case .null: line.append("null")
                case .integer(let number): line.append(String(number))
                case .real(let number): line.append(number.isFinite ? String(number) : "null")
                case .text(let text): JSONText.appendString(text, to: &line)
                case .blob(let bytes): JSONText.appendBytes(ByteBuffer(bytes: bytes), to: &line)
                }
            }
            return [line + "}"]
        }
    }

    public func end() -> [String] {
        format == .table ? [table.rendered] : []
    }

    /// A value as a table or CSV cell: NULL as `NULL` (tables), blobs as UTF-8 when they are, else as x'hex'.
    static func text(_ value: SQLQuery.Value) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let number): String(number)
        case .real(let number): String(number)
        case .text(let text): text
        case .blob(let bytes):
            String(validating: bytes, as: UTF8.self) ?? "x'" + bytes.map { String($0, radix: 16).leftPad2 }.joined() + "'"
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    fileprivate var leftPad2: String { count == 1 ? "0" + self : self }
}
