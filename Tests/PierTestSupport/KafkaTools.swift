import Foundation

/// Apache Kafka's own command-line tools (`bin/kafka-*.sh`: kafka-leader-election, kafka-topics, ...)
/// from a Kafka distribution, driven against Pier the way an operator would. The distribution is
/// `$KAFKA_HOME`, else the one `../shared/kafka-reference/kafka-reference.sh setup` assembles in
/// /tmp/apache-kafka (`scripts/install-test-deps.sh` runs it when the two git copies it is built from
/// are under `MIRROR_ROOT`, by default /work/.mirror).
///
/// The single exception to the CI rule (`ExternalTool`: under `CI=true` a missing tool fails the run):
/// Kafka's distribution is the one tool no package registry this project can reach provides (only
/// Debian packages and PyPI are reachable; it is assembled from GitHub copies), so a machine without
/// those copies cannot have it. Tests that need it carry `.kafkaTools` (PierCLITests): with the
/// distribution they run, under CI as anywhere, and any failure fails; without it they are skipped
/// on every machine with `missing` as the reason. Every API they drive is also driven by kafka-python
/// or confluent-kafka in a test that never skips under CI (docs/admin.md, "How it is tested").
public enum KafkaTools {
    /// The distribution: `$KAFKA_HOME` when it is set (only there), else /tmp/apache-kafka, if it has
    /// an executable `bin/kafka-topics.sh`.
    public static var home: URL? {
        candidates.map { URL(fileURLWithPath: $0) }.first {
            FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("bin/kafka-topics.sh").path)
        }
    }

    private static var candidates: [String] {
        if let chosen = ProcessInfo.processInfo.environment["KAFKA_HOME"], !chosen.isEmpty { return [chosen] }
        return ["/tmp/apache-kafka"]
    }

    /// Why the tools cannot run here, in one line naming what is missing; nil when they can. Under
    /// `CI=true` a distribution without `java` on the PATH is not a reason: the tests run and fail.
    public static var missing: String? {
        guard let home else {
            let looked = candidates.map { "\($0)/bin/kafka-topics.sh" }.joined(separator: ", ")
            let from = ProcessInfo.processInfo.environment["KAFKA_HOME"].map { _ in "KAFKA_HOME" } ?? "the default place"
            return "no Kafka distribution: \(looked) (\(from)) is missing; scripts/install-test-deps.sh assembles /tmp/apache-kafka "
                + "with ../shared/kafka-reference/kafka-reference.sh setup when the git copies it needs are under MIRROR_ROOT"
        }
        if ExternalTool.path(of: "java") == nil && ProcessInfo.processInfo.environment["CI"] != "true" {
            return "the Kafka distribution in \(home.path) needs java, which is not on the PATH"
        }
        return nil
    }

    public static var available: Bool { missing == nil }

    public struct Outcome {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `bin/<tool>` with a time limit; a failing exit status is returned, not thrown, since the
    /// tools report refused operations (a partition whose election failed) through it.
    public static func run(_ tool: String, _ arguments: [String], timeoutSeconds: Double = 90) throws -> Outcome {
        guard let home else { throw ExternalTool.Failed(description: "no Kafka distribution (set KAFKA_HOME)") }
        let process = Process()
        process.executableURL = home.appendingPathComponent("bin/\(tool)")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // The tools' JVM needs little; two cores are shared with the brokers under test.
        environment["KAFKA_HEAP_OPTS"] = "-Xmx256m"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: timer)
        let errors = ErrorCollector(err.fileHandleForReading)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self), stderr: errors.text())
    }

    /// Reads a pipe to its end on another thread, so a tool that fills one pipe never blocks on it.
    private final class ErrorCollector: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            DispatchQueue.global().async { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
