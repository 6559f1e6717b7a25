import Foundation
import PierTestSupport
import Testing

/// `Tests/Clients/numbered_producer.py` running beside a test: an idempotent acks=all producer of
/// numbered records that writes every delivery report to a file the test reads while it runs.
final class NumberedProducer {
    /// One acknowledged record, as the producer's delivery report gave it.
    struct Acknowledgement {
        var number: Int
        var partition: Int
        var offset: Int64
        /// When the report arrived (Unix seconds).
        var acknowledgedAt: Double
        /// When the record was handed to the client: its CreateTime (Unix seconds, ms precision).
        var createdAt: Double
    }

    let script: BackgroundScript

    /// Starts producing to `topic` (number N to partition N % `partitions`) at `rate` records a second.
    init(bootstrap: String, topic: String, partitions: Int = 1, rate: Int = 400, extra: [String] = []) throws {
        script = try BackgroundScript("numbered_producer.py") { control in
            [bootstrap, topic, control.path, "--partitions", String(partitions), "--rate", String(rate)] + extra
        }
    }

    var acknowledgedFile: URL { script.controlDirectory.appendingPathComponent("acknowledged") }

    /// The acknowledgements so far (a line still being written is left for the next call).
    func acknowledgements() -> [Acknowledgement] {
        let text = script.read("acknowledged")
        let complete = text.hasSuffix("\n") ? Substring(text) : text[..<(text.lastIndex(of: "\n") ?? text.startIndex)]
        return complete.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let number = Int(fields[0]), let partition = Int(fields[1]), let offset = Int64(fields[2]),
                  let acknowledgedAt = Double(fields[3]), let createdAt = Double(fields[4]) else { return nil }
            return Acknowledgement(number: number, partition: partition, offset: offset, acknowledgedAt: acknowledgedAt, createdAt: createdAt)
        }
    }

    /// Waits until `count` more records than `after` are acknowledged (on `partition`, when given).
    func waitForAcknowledgements(_ count: Int, partition: Int? = nil, createdAfter: Date? = nil, timeoutSeconds: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let matching = acknowledgements().filter { ack in
                (partition == nil || ack.partition == partition) && (createdAfter.map { ack.createdAt > $0.timeIntervalSince1970 } ?? true)
            }
            if matching.count >= count { return }
            guard script.isRunning else { throw ClusterFailure("the producer exited: \(script.errors)") }
            guard Date() < deadline else {
                throw ClusterFailure("\(matching.count) of \(count) acknowledgements within \(timeoutSeconds) s; producer: \(script.errors.suffix(2000))")
            }
            usleep(50_000)
        }
    }

    /// Seconds from `moment` to the first acknowledgement on `partition` of a record created after
    /// it (one only the brokers alive after `moment` can have acknowledged); nil while there is none.
    func firstAcknowledgement(partition: Int, createdAfter moment: Date) -> Double? {
        acknowledgements().filter { $0.partition == partition && $0.createdAt > moment.timeIntervalSince1970 }
            .map(\.acknowledgedAt).min().map { $0 - moment.timeIntervalSince1970 }
    }

    /// Stops producing, waits for outstanding reports and returns the producer's summary.
    func finish(timeoutSeconds: Double = 120) throws -> [String: Any] {
        try RealBrokerSuites.DataPathClientTests.json(try script.finish(timeoutSeconds: timeoutSeconds))
    }

    /// Reads the whole topic and checks it against the acknowledgements (`verify_numbers.py`).
    func verify(bootstrap: String, topic: String) throws -> [String: Any] {
        try Self.verify(bootstrap: bootstrap, topic: topic, acknowledged: acknowledgedFile)
    }

    static func verify(bootstrap: String, topic: String, acknowledged: URL) throws -> [String: Any] {
        try RealBrokerSuites.DataPathClientTests.json(try ClientScripts.runPython("verify_numbers.py", [bootstrap, topic, acknowledged.path], timeoutSeconds: 180))
    }
}

/// Median and maximum of measured durations.
struct DurationSummary: CustomStringConvertible {
    var values: [Double]
    var median: Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
    var maximum: Double { values.max() ?? .nan }
    var description: String {
        values.map { String(format: "%.2f", $0) }.joined(separator: " ") + String(format: " s (median %.2f s, max %.2f s)", median, maximum)
    }
}
