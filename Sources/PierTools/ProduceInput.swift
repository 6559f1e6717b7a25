import Foundation
import NIOCore
import PierRecords

/// One record read from `pier produce`'s input, before it has a partition or an offset.
public struct InputRecord: Sendable, Equatable {
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]
    /// A partition the input line asks for (JSON input only).
    public var partition: Int32?

    public init(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], partition: Int32? = nil) {
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }
}

/// How `pier produce` reads its input, one record per line.
public struct ProduceInputParser: Sendable {
    public enum Format: String, CaseIterable, Sendable {
        /// A line is the value; with a key separator, the text before its first occurrence is the key.
        case text
        /// A line is `{"key": ..., "value": ..., "headers": [[k, v], ...], "partition": n}`, every
        /// field optional; bytes as `pier consume --format json` writes them.
        case json
    }

    public var format: Format
    public var keySeparator: String?
    /// Headers added to every record (after the line's own).
    public var headers: [RecordHeader]

    public init(format: Format, keySeparator: String? = nil, headers: [RecordHeader] = []) {
        self.format = format
        self.keySeparator = keySeparator
        self.headers = headers
    }

    /// `k=v` arguments of `--header`.
    public static func headers(_ assignments: [String]) throws -> [RecordHeader] {
        try assignments.map { assignment in
            guard let equals = assignment.firstIndex(of: "=") else { throw ToolFailure("--header '\(assignment)' is not KEY=VALUE") }
            return RecordHeader(key: String(assignment[..<equals]), value: ByteBuffer(string: String(assignment[assignment.index(after: equals)...])))
        }
    }

    /// The record of line `number` (counted from 1, for messages).
    public func parse(line: Substring, number: Int) throws -> InputRecord {
        switch format {
        case .text:
            if let keySeparator, !keySeparator.isEmpty {
                guard let range = line.range(of: keySeparator) else {
                    throw ToolFailure("line \(number) has no key separator '\(keySeparator)'")
                }
                return InputRecord(key: ByteBuffer(string: String(line[..<range.lowerBound])),
                                   value: ByteBuffer(string: String(line[range.upperBound...])), headers: headers)
            }
            return InputRecord(key: nil, value: ByteBuffer(string: String(line)), headers: headers)
        case .json:
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) } catch {
                throw ToolFailure("line \(number) is not JSON")
            }
            guard let fields = object as? [String: Any] else { throw ToolFailure("line \(number) is not a JSON object") }
            var record = InputRecord(key: try JSONText.bytes(from: fields["key"], field: "line \(number): key"),
                                     value: try JSONText.bytes(from: fields["value"], field: "line \(number): value"))
            if let partition = fields["partition"] {
                guard let number = partition as? Int, let index = Int32(exactly: number) else {
                    throw ToolFailure("line \(number): partition must be an integer")
                }
                record.partition = index
            }
            if let list = fields["headers"] {
                guard let pairs = list as? [[Any]] else { throw ToolFailure("line \(number): headers must be an array of [key, value] pairs") }
                for pair in pairs {
                    guard pair.count == 2, let key = pair[0] as? String else {
                        throw ToolFailure("line \(number): headers must be an array of [key, value] pairs")
                    }
                    record.headers.append(RecordHeader(key: key, value: try JSONText.bytes(from: pair[1], field: "line \(number): header \(key)")))
                }
            }
            record.headers += headers
            return record
        }
    }
}
