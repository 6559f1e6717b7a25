import GRDBSQLite
import NIOCore
import PierRecords

/// The `records.headers` column: NULL for no headers; JSON text `[["key","value"],["key",null]]`
/// when every value is UTF-8, so `sqlite3` users can query it with `json_each`; otherwise a blob in
/// Kafka's record-header encoding, which keeps any bytes exact.
enum RecordHeadersColumn {
    enum Stored {
        case json([UInt8])
        case kafka([UInt8])
    }

    static func encode(_ headers: [RecordHeader]) -> Stored? {
        guard !headers.isEmpty else { return nil }
        var json: [UInt8] = []
        json.reserveCapacity(headers.count * 16)
        json.append(UInt8(ascii: "["))
        for (index, header) in headers.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(UInt8(ascii: "["))
            appendJSONString(header.key.utf8, to: &json)
            json.append(UInt8(ascii: ","))
            if let value = header.value {
                let isUTF8 = value.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
                guard isUTF8 else { return .kafka(kafkaEncoding(headers)) }
                value.withUnsafeReadableBytes { appendJSONString($0, to: &json) }
            } else {
                json.append(contentsOf: "null".utf8)
            }
            json.append(UInt8(ascii: "]"))
        }
        json.append(UInt8(ascii: "]"))
        return .json(json)
    }

    private static func appendJSONString<Bytes: Sequence>(_ bytes: Bytes, to json: inout [UInt8]) where Bytes.Element == UInt8 {
        json.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                         hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    private static func kafkaEncoding(_ headers: [RecordHeader]) -> [UInt8] {
        var out: [UInt8] = []
        appendVarint(Int64(headers.count), to: &out)
        for header in headers {
            appendVarint(Int64(header.key.utf8.count), to: &out)
            out.append(contentsOf: header.key.utf8)
            if let value = header.value {
                appendVarint(Int64(value.readableBytes), to: &out)
                value.withUnsafeReadableBytes { out.append(contentsOf: $0) }
            } else {
                appendVarint(-1, to: &out)
            }
        }
        return out
    }

    private static func appendVarint(_ value: Int64, to out: inout [UInt8]) {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while raw >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: raw) | 0x80)
            raw >>= 7
        }
        out.append(UInt8(raw))
    }

    // MARK: Decoding

    struct Malformed: Error {}

    /// The headers in column `column` of the current row, whichever form they were stored in.
    static func decode(_ row: RawStatement, column: Int32) throws(Malformed) -> [RecordHeader] {
        switch row.columnType(column) {
        case SQLITE_NULL: return []
        case SQLITE_TEXT: return try decodeJSON(row.blob(column)!)
        default: return try decodeKafka(row.blob(column)!)
        }
    }

    static func decodeJSON(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> [RecordHeader] {
        var parser = JSONPairsParser(bytes: bytes)
        return try parser.parse()
    }

    static func decodeKafka(_ bytes: UnsafeRawBufferPointer) throws(Malformed) -> [RecordHeader] {
        var position = 0
        func varint() throws(Malformed) -> Int64 {
            var raw: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < bytes.count, shift < 64 else { throw Malformed() }
                let byte = bytes[position]
                position += 1
                raw |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
        }
        func slice(_ length: Int64) throws(Malformed) -> UnsafeRawBufferPointer {
            guard length >= 0, Int(length) <= bytes.count - position else { throw Malformed() }
            defer { position += Int(length) }
            return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + Int(length))])
        }
        let count = try varint()
        guard count >= 0, count <= Int64(bytes.count) else { throw Malformed() }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let key = String(validating: try slice(try varint()), as: UTF8.self) else { throw Malformed() }
            let valueLength = try varint()
            let value = valueLength == -1 ? nil : ByteBuffer(bytes: try slice(valueLength))
            headers.append(RecordHeader(key: key, value: value))
        }
        guard position == bytes.count else { throw Malformed() }
        return headers
    }
}

/// Reads exactly the JSON `RecordHeadersColumn` writes: an array of two-element arrays of a string
/// and a string or null. Standard escapes, including surrogate pairs, are understood.
private struct JSONPairsParser {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func parse() throws(RecordHeadersColumn.Malformed) -> [RecordHeader] {
        var headers: [RecordHeader] = []
        try expect("[")
        if try peek() == UInt8(ascii: "]") { position += 1; return try end(headers) }
        while true {
            try expect("[")
            let key = try string()
            try expect(",")
            let value: ByteBuffer?
            if try peek() == UInt8(ascii: "n") {
                try expect("n"); try expect("u"); try expect("l"); try expect("l")
                value = nil
            } else {
                value = ByteBuffer(string: try string())
            }
            try expect("]")
            headers.append(RecordHeader(key: key, value: value))
            skipSpaces()
            guard position < bytes.count else { throw .init() }
            let separator = bytes[position]
            position += 1
            if separator == UInt8(ascii: "]") { return try end(headers) }
            guard separator == UInt8(ascii: ",") else { throw .init() }
        }
    }

    private mutating func end(_ headers: [RecordHeader]) throws(RecordHeadersColumn.Malformed) -> [RecordHeader] {
        skipSpaces()
        guard position == bytes.count else { throw .init() }
        return headers
    }

    private mutating func skipSpaces() {
        while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
    }

    private mutating func peek() throws(RecordHeadersColumn.Malformed) -> UInt8 {
        skipSpaces()
        guard position < bytes.count else { throw .init() }
        return bytes[position]
    }

    private mutating func expect(_ character: Unicode.Scalar) throws(RecordHeadersColumn.Malformed) {
        guard try peek() == UInt8(ascii: character) else { throw .init() }
        position += 1
    }

    private mutating func hex4() throws(RecordHeadersColumn.Malformed) -> UInt32 {
        guard bytes.count - position >= 4 else { throw .init() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .init()
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func string() throws(RecordHeadersColumn.Malformed) -> String {
        try expect("\"")
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw .init() }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else { utf8.append(byte); continue }
            guard position < bytes.count else { throw .init() }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    try expect("\\"); try expect("u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw .init() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw .init() }
                utf8.append(contentsOf: String(Character(unicode)).utf8)
            default: throw .init()
            }
        }
        guard let text = String(validating: utf8, as: UTF8.self) else { throw .init() }
        return text
    }
}
