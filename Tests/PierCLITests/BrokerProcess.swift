import Foundation

/// A real `pier serve` on a free loopback port with a throwaway data directory, stopped (SIGTERM)
/// when the test is done.
final class BrokerProcess {
    let dataDirectory: URL
    let port: Int
    private let process: Process
    private let stderr: Pipe

    var bootstrap: String { "127.0.0.1:\(port)" }

    init(dataDirectory: URL? = nil) throws {
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pier-serve-\(UUID().uuidString)")
        self.dataDirectory = directory
        process = Process()
        process.executableURL = PierBinary.url
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", directory.path]
        let stdout = Pipe()
        stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // The broker prints one line once it is listening: "pier: listening on HOST:PORT".
        var line = Data()
        let deadline = Date().addingTimeInterval(60)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw BrokerFailedToStart(output: text + String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self))
        }
        self.port = port
    }

    struct BrokerFailedToStart: Error, CustomStringConvertible {
        var output: String
        var description: String { "pier serve did not start: \(output)" }
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM, then wait (bounded) for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        return process.terminationStatus
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: dataDirectory)
    }
}

/// Real client programs the tests drive. Tests carry `.enabled(if: Clients.mustRun(...))`: a missing
/// program disables them on a developer machine and fails them under CI (`CI=true`).
enum Clients {
    static func path(of tool: String) -> String? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return searchPath.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func mustRun(_ tool: String) -> Bool {
        path(of: tool) != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool with a time limit; returns stdout, throws with stderr on failure.
    static func run(_ tool: String, _ arguments: [String], input: String? = nil, timeoutSeconds: Double = 60) throws -> String {
        guard let executable = path(of: tool) else { throw Failed(description: "\(tool) is not installed (scripts/install-test-deps.sh installs it)") }
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
