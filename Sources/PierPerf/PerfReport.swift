/// The lines `pier perf` prints, in the spirit of Kafka's perf tools: one progress line per
/// reporting interval and one summary line at the end.
public enum PerfReport {
    public static func produceProgress(_ rates: Rates) -> String {
        var line = "\(rates.records) records sent, \(rateText(rates))"
        if let average = rates.averageLatency, let maximum = rates.maximumLatency {
            line += ", \(format(average.milliseconds, 1)) ms avg latency, \(format(maximum.milliseconds, 1)) ms max latency"
        }
        return line
    }

    public static func produceSummary(_ summary: Summary) -> String {
        var line = "\(summary.rates.records) records sent in \(format(summary.rates.elapsed.seconds, 2)) s, \(rateText(summary.rates)), "
            + "\(summary.requests) produce requests"
        if let latency = summary.latency {
            line += ", latency ms: avg \(ms(latency.average)), p50 \(ms(latency.p50)), p95 \(ms(latency.p95)), "
                + "p99 \(ms(latency.p99)), p99.9 \(ms(latency.p999)), max \(ms(latency.maximum))"
        } else {
            line += ", latency not measured (acks=0)"
        }
        return line
    }

    public static func consumeProgress(_ rates: Rates) -> String {
        "\(rates.records) records received, \(rateText(rates))"
    }

    public static func consumeSummary(_ summary: Summary) -> String {
        "\(summary.rates.records) records received in \(format(summary.rates.elapsed.seconds, 2)) s, \(rateText(summary.rates)), "
            + "\(summary.requests) fetch requests"
    }

    private static func rateText(_ rates: Rates) -> String {
        "\(format(rates.recordsPerSecond, 1)) records/s (\(format(rates.megabytesPerSecond, 2)) MB/s)"
    }

    private static func ms(_ duration: Duration) -> String { format(duration.milliseconds, 2) }

    /// Fixed-point text without Foundation's locale-dependent formatting.
    static func format(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        let sign = value < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(whole)" }
        let digits = String(fraction)
        return "\(sign)\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
    }
}
