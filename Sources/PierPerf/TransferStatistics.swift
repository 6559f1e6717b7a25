import Histogram

/// Counts of a perf run: records, bytes and requests in total and in the current reporting
/// window, and (for produce) the latency of every request from send to acknowledgement in an
/// HdrHistogram (microseconds, three significant digits).
public struct TransferStatistics: Sendable {
    public private(set) var records = 0
    public private(set) var bytes = 0
    public private(set) var requests = 0
    private var latencies = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    private var window = Window()

    private struct Window {
        var records = 0
        var bytes = 0
        var latencyCount = 0
        var latencySum = Duration.zero
        var latencyMax = Duration.zero
    }

    public init() {
        latencies.autoResize = true
    }

    /// A request carried `records` records of `bytes` payload bytes; `latency` is nil when it was
    /// not acknowledged (acks=0) or is not measured (fetches).
    public mutating func add(records: Int, bytes: Int, latency: Duration?) {
        self.records += records
        self.bytes += bytes
        requests += 1
        window.records += records
        window.bytes += bytes
        if let latency {
            _ = latencies.record(UInt64(max(0, latency.microseconds)))
            window.latencyCount += 1
            window.latencySum += latency
            window.latencyMax = max(window.latencyMax, latency)
        }
    }

    /// The figures since the last call (or the start), over `elapsed`; starts a new window.
    public mutating func closeWindow(elapsed: Duration) -> Rates {
        let closed = window
        window = Window()
        return Rates(records: closed.records, bytes: closed.bytes, elapsed: elapsed,
                     averageLatency: closed.latencyCount == 0 ? nil : closed.latencySum / closed.latencyCount,
                     maximumLatency: closed.latencyCount == 0 ? nil : closed.latencyMax)
    }

    /// The whole run, over `elapsed`.
    public func summary(elapsed: Duration) -> Summary {
        let latency: LatencySummary? = latencies.totalCount == 0 ? nil : LatencySummary(
            average: .microseconds(latencies.mean), p50: percentile(50), p95: percentile(95), p99: percentile(99),
            p999: percentile(99.9), maximum: .microseconds(Int64(latencies.max)))
        return Summary(rates: Rates(records: records, bytes: bytes, elapsed: elapsed, averageLatency: latency?.average, maximumLatency: latency?.maximum),
                       requests: requests, latency: latency)
    }

    private func percentile(_ percentile: Double) -> Duration {
        .microseconds(Int64(latencies.valueAtPercentile(percentile)))
    }
}

/// Records and bytes moved over a span of time.
public struct Rates: Sendable, Equatable {
    public var records: Int
    public var bytes: Int
    public var elapsed: Duration
    public var averageLatency: Duration?
    public var maximumLatency: Duration?

    public var recordsPerSecond: Double { elapsed > .zero ? Double(records) / elapsed.seconds : 0 }
    /// In MiB per second, as Kafka's perf tools count a "MB".
    public var megabytesPerSecond: Double { elapsed > .zero ? Double(bytes) / 1_048_576 / elapsed.seconds : 0 }
}

public struct LatencySummary: Sendable, Equatable {
    public var average: Duration
    public var p50: Duration
    public var p95: Duration
    public var p99: Duration
    public var p999: Duration
    public var maximum: Duration
}

public struct Summary: Sendable, Equatable {
    public var rates: Rates
    public var requests: Int
    /// nil when no request was acknowledged (acks=0) or none was timed (consume).
    public var latency: LatencySummary?
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    var milliseconds: Double { seconds * 1000 }

    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
