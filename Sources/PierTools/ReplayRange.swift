/// What `pier replay` was asked to replay, before it is checked against the partition.
public struct ReplayRequest: Sendable, Equatable {
    public enum Bound: Sendable, Equatable {
        case offset(Int64)
        /// Milliseconds since the epoch.
        case time(Int64)
    }

    /// Where the range starts; nil: the log start.
    public var from: Bound?
    /// Where the range ends: an offset is the last one replayed (inclusive); a time ends the range
    /// before the first record at or after it. nil: the log end.
    public var to: Bound?

    public init(from: Bound?, to: Bound?) {
        self.from = from
        self.to = to
    }

    /// The half-open offset range, given the partition's log start and end and the first offset
    /// at or after each time the request names (absent: no record that late). Errors say what was
    /// wrong with the range.
    public func resolve(partition: String, logStart: Int64, logEnd: Int64, offsetsForTimes: [Int64: Int64]) throws -> Range<Int64> {
        let start: Int64
        switch from {
        case nil: start = logStart
        case .offset(let offset):
            guard offset >= 0 else { throw ToolFailure("bad offset range: --from-offset \(offset) is negative") }
            guard offset >= logStart else {
                throw ToolFailure("bad offset range: --from-offset \(offset) is below the log start offset \(logStart) of \(partition)")
            }
            guard offset < logEnd || (offset == logEnd && to == nil) else {
                throw ToolFailure("bad offset range: --from-offset \(offset) is at or past the log end offset \(logEnd) of \(partition)")
            }
            start = offset
        case .time(let milliseconds):
            start = offsetsForTimes[milliseconds] ?? logEnd
        }
        let end: Int64
        switch to {
        case nil: end = logEnd
        case .offset(let offset):
            guard offset < logEnd else {
                throw ToolFailure("bad offset range: --to-offset \(offset) is at or past the log end offset \(logEnd) of \(partition)")
            }
            if case .offset(let first) = from, first > offset {
                throw ToolFailure("bad offset range: --from-offset \(first) is after --to-offset \(offset)")
            }
            end = offset + 1
        case .time(let milliseconds):
            end = offsetsForTimes[milliseconds] ?? logEnd
        }
        return start..<max(start, end)
    }
}
