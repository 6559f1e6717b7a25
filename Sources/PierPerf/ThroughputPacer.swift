/// When each record of a throttled run is due: record `i` (from 0) at `i / recordsPerSecond`
/// seconds after the start, like the throttle of Kafka's perf tools. Without a rate every record
/// is due at once.
public struct ThroughputPacer: Sendable, Equatable {
    /// nil: unlimited.
    public let recordsPerSecond: Int?

    public init(recordsPerSecond: Int?) {
        precondition(recordsPerSecond.map { $0 > 0 } ?? true, "a throughput cap must be positive")
        self.recordsPerSecond = recordsPerSecond
    }

    /// How many records are due `elapsed` after the start (Int.max when unlimited).
    public func recordsDue(after elapsed: Duration) -> Int {
        guard let recordsPerSecond else { return .max }
        guard elapsed >= .zero else { return 0 }
        let (seconds, attoseconds) = elapsed.components
        // Whole seconds and nanoseconds apart, in integers, so long runs at high rates neither
        // overflow nor lose a record to rounding.
        let nanoseconds = Int(attoseconds / 1_000_000_000)
        return Int(seconds) * recordsPerSecond + nanoseconds * recordsPerSecond / 1_000_000_000 + 1
    }

    /// How long after the start record `index` is due: the first nanosecond at which
    /// `recordsDue` counts it.
    public func dueTime(ofRecord index: Int) -> Duration {
        guard let recordsPerSecond else { return .zero }
        let remainder = index % recordsPerSecond
        let nanoseconds = (remainder * 1_000_000_000 + recordsPerSecond - 1) / recordsPerSecond
        return .seconds(index / recordsPerSecond) + .nanoseconds(nanoseconds)
    }
}
