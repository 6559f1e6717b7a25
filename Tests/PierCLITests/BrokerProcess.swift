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
