import Foundation

/// Apache Kafka's own command-line tools (`bin/kafka-*.sh`: kafka-leader-election, kafka-topics, ...)
/// from a Kafka distribution, driven against Pier the way an operator would. The distribution is
/// `$KAFKA_HOME`, else the one `../shared/kafka-reference/kafka-reference.sh setup` assembles in
/// /tmp/apache-kafka. Without one (CI machines have none: it is built from GitHub copies a developer
/// fetches) the tests that need it are skipped.
public enum KafkaTools {
    public static var home: URL? {
        let candidates = [ProcessInfo.processInfo.environment["KAFKA_HOME"], "/tmp/apache-kafka"].compactMap { $0 }
        return candidates.map { URL(fileURLWithPath: $0) }.first {
            FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("bin/kafka-topics.sh").path)
        }
    }

    public static var available: Bool { home != nil && ExternalTool.path(of: "java") != nil }

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
