import Foundation

/// A real `pier serve` on a free loopback port with a throwaway data directory, stopped (SIGTERM)
/// when the test is done. Its log (stderr) goes to a file beside the data directory, so a chatty
/// broker never blocks on a full pipe.
final class BrokerProcess {
    let dataDirectory: URL
    let port: Int
    /// The admin listener's port, when started with `--admin-listen`.
    let adminPort: Int?
    let arguments: [String]
    let logFile: URL
    private let process: Process
    /// Whether the data directory goes with this process (false once `restarted()` hands it on).
    private var ownsDataDirectory = true

    var bootstrap: String { "127.0.0.1:\(port)" }

    /// The broker's log so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// `arguments` are extra `pier serve` flags, e.g. `["--engine", "segments"]`.
    init(dataDirectory: URL? = nil, arguments: [String] = []) throws {
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pier-serve-\(UUID().uuidString)")
        self.dataDirectory = directory
        self.arguments = arguments
        logFile = URL(fileURLWithPath: directory.path + ".log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = Process()
        process.executableURL = PierBinary.url
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", directory.path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: logFile)
        try process.run()
        // The broker prints one line once it is listening: "pier: listening on HOST:PORT", then
        // with --admin-listen a second: "pier: admin listening on HOST:PORT".
        let expectedLines = arguments.contains("--admin-listen") ? 2 : 1
        var output = Data()
        let deadline = Date().addingTimeInterval(60)
        while output.filter({ $0 == UInt8(ascii: "\n") }).count < expectedLines, Date() < deadline {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count >= expectedLines, let port = Self.port(in: lines[0]) else {
            process.terminate()
            throw BrokerFailedToStart(output: lines.joined(separator: "\n") + ((try? String(contentsOf: logFile, encoding: .utf8)) ?? ""))
        }
        self.port = port
        adminPort = expectedLines == 2 ? Self.port(in: lines[1]) : nil
    }

    private static func port(in line: String) -> Int? {
        guard let colon = line.lastIndex(of: ":") else { return nil }
        return Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Sends SIGTERM and returns at once, so a test can watch the broker drain.
    func requestStop() {
        if process.isRunning { process.terminate() }
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

    /// Stops this broker (SIGTERM) and starts another on the same data directory and flags; the
    /// new one owns the directory from then on. Returns the old one's exit status with it.
    func restarted() throws -> (broker: BrokerProcess, exitStatus: Int32) {
        let status = stop()
        ownsDataDirectory = false
        return (try BrokerProcess(dataDirectory: dataDirectory, arguments: arguments), status)
    }

    deinit {
        stop()
        if ownsDataDirectory {
            try? FileManager.default.removeItem(at: dataDirectory)
            try? FileManager.default.removeItem(at: logFile)
        }
    }
}
