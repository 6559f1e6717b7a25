import Foundation

/// Real programs the tests drive (kcat, python3 with Kafka client libraries, sqlite3). Tests that need
/// one carry `.enabled(if: ExternalTool.mustRun("tool"))`: a missing program disables them on a
/// developer machine and fails them under CI (`CI=true`), where `scripts/install-test-deps.sh` has
/// installed everything.
public enum ExternalTool {
    public static func path(of tool: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static func mustRun(_ tool: String) -> Bool {
        path(of: tool) != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs a tool with a time limit and returns its standard output; throws with its standard error
    /// when it is missing, fails, or is stopped at the limit.
    public static func run(_ tool: String, arguments: [String], input: String? = nil, timeoutSeconds: Double = 60) throws -> String {
        guard let executable = path(of: tool) else {
            throw Failed(description: "\(tool) is not installed (scripts/install-test-deps.sh installs it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: timer)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
