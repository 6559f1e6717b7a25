import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line: `time` (ISO 8601, UTC, milliseconds),
/// `level`, `label`, `message` and `metadata` (an object; arrays and nested dictionaries kept as
/// JSON). Keys are sorted, so lines are stable and diffable; log shippers read them without a
/// grok pattern (`pier serve --log-format json`).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> Date

    /// `write` receives each line with its trailing newline; `now` is replaceable for tests.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil,
                write: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> Date = { Date() }) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.write = write
        self.now = now
    }

    /// Writes to standard error, one `write(2)` per line so lines from different threads never interleave.
    public static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> JSONLogHandler {
        JSONLogHandler(label: label, metadataProvider: metadataProvider, write: { line in
            let bytes = Array(line.utf8)
            var written = 0
            while written < bytes.count {
                let result = bytes.withUnsafeBytes { Foundation.write(2, $0.baseAddress! + written, $0.count - written) }
                if result < 0 && errno == EINTR { continue }
                if result <= 0 { return }
                written += result
            }
        })
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        var line = "{\"time\":"
        JSONText.appendString(Self.timestamp(now()), to: &line)
        line += ",\"level\":"
        JSONText.appendString(event.level.rawValue, to: &line)
        line += ",\"label\":"
        JSONText.appendString(label, to: &line)
        line += ",\"message\":"
        JSONText.appendString(event.message.description, to: &line)
        line += ",\"metadata\":"
        JSONText.appendValue(.dictionary(merged), to: &line)
        line += "}\n"
        write(line)
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

    static func timestamp(_ date: Date) -> String {
        date.formatted(timeFormat)
    }
}

/// JSON text for log lines: strings escaped per RFC 8259, metadata values as JSON values.
enum JSONText {
    static func appendValue(_ value: Logger.MetadataValue, to out: inout String) {
        switch value {
        case .string(let text):
            appendString(text, to: &out)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                appendValue(dictionary[key]!, to: &out)
            }
            out += "}"
        }
    }

    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
