import NIOCore
import PierRecords
import PierStorage

/// How `pier consume` and `pier replay` write each record to stdout.
public enum RecordFormat: String, CaseIterable, Sendable {
    /// The value as text (with the key and a tab before it when asked), one record a line.
    case text
    /// One JSON object a line: partition, offset, timestamp, key, value, headers.
    case json
    /// The value's bytes exactly, each followed by the delimiter.
    case raw
}

/// Writes records in a `RecordFormat` into an output buffer.
public struct RecordWriter {
    public var format: RecordFormat
    /// For text: write `key<TAB>` before the value.
    public var printKey: Bool
    /// For raw: bytes written after each value.
    public var delimiter: [UInt8]

    public init(format: RecordFormat, printKey: Bool = false, delimiter: [UInt8] = [UInt8(ascii: "\n")]) {
        self.format = format
        self.printKey = printKey
        self.delimiter = delimiter
    }

    public func write(_ record: StoredRecord, partition: Int32, to out: inout ByteBuffer) {
        switch format {
        case .raw:
            if let value = record.value { out.writeImmutableBuffer(value) }
            out.writeBytes(delimiter)
        case .text:
            if printKey {
                if let key = record.key { out.writeImmutableBuffer(key) } else { out.writeString("null") }
                out.writeString("\t")
            }
            if let value = record.value { out.writeImmutableBuffer(value) } else { out.writeString("null") }
            out.writeString("\n")
        case .json:
            out.writeString(Self.jsonLine(record, partition: partition))
            out.writeString("\n")
        }
    }

    /// `{"partition":P,"offset":O,"timestamp":T,"key":K,"value":V,"headers":[[k,v],...]}`, with
    /// keys, values and header values as `JSONText.appendBytes` writes them.
    public static func jsonLine(_ record: StoredRecord, partition: Int32) -> String {
        var line = "{\"partition\":\(partition),\"offset\":\(record.offset),\"timestamp\":\(record.timestamp),\"key\":"
        JSONText.appendBytes(record.key, to: &line)
        line.append(",\"value\":")
        JSONText.appendBytes(record.value, to: &line)
        line.append(",\"headers\":[")
        for (index, header) in record.headers.enumerated() {
            if index > 0 { line.append(",") }
            line.append("[")
            JSONText.appendString(header.key, to: &line)
            line.append(",")
            JSONText.appendBytes(header.value, to: &line)
            line.append("]")
        }
        line.append("]}")
        return line
    }
}
