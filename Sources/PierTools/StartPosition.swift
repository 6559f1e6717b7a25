import Foundation

/// Where reading starts in each partition.
public enum StartPosition: Equatable, Sendable {
    case earliest
    case latest
    case offset(Int64)
    /// The first offset with a timestamp at or after this many milliseconds since the epoch.
    case time(Int64)
}

/// A point in time on the command line: milliseconds since the epoch, or ISO-8601
/// (`2026-12-02T10:00:00Z`, `2026-12-02T10:00:00.250+01:00`, `2026-12-02`).
public enum TimeArgument {
    public static func milliseconds(_ text: String, option: String) throws -> Int64 {
        if let milliseconds = Int64(text) { return milliseconds }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        for formatter in [withFraction, plain, day] {
            if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        throw ToolFailure("\(option) '\(text)' is neither milliseconds since the epoch nor an ISO-8601 time such as 2026-12-02T10:00:00Z")
    }

    /// ISO-8601 UTC with milliseconds, as the tools print times.
    public static func iso8601(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
