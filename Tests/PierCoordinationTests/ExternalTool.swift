import Foundation
import Testing

/// Runs a real program the tests depend on. Tests that need one carry `.enabled(if: ExternalTool.mustRun("tool"))`:
/// a missing program disables the test on a developer machine but fails it under CI (`CI=true`).
enum ExternalTool {
    static func mustRun(_ tool: String) -> Bool {
        path(of: tool) != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    struct Missing: Error, CustomStringConvertible {
        var tool: String
        var description: String { "\(tool) is not installed (scripts/install-test-deps.sh installs it)" }
    }

    struct Failed: Error, CustomStringConvertible {
        var tool: String
        var status: Int32
        var stderr: String
        var description: String { "\(tool) exited with \(status): \(stderr)" }
    }

    static func path(of tool: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ tool: String, arguments: [String], input: String? = nil) throws -> String {
        guard let executable = path(of: tool) else { throw Missing(tool: tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(tool: tool, status: process.terminationStatus, stderr: String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
