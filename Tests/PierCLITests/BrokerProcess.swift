import Foundation
import PierTestSupport

/// A real `pier serve` on a loopback port with a throwaway data directory, stopped (SIGTERM)
/// when the test is done. Its log (stderr) goes to a file beside the data directory, so a chatty
/// broker never blocks on a full pipe.
///
/// The port is a free one the broker picks (`listenPort: 0`) unless the caller chose it up front, as
/// a cluster does: a broker restarted on its old port keeps every client's bootstrap list valid.
final class BrokerProcess {
    let dataDirectory: URL
    let port: Int
    /// The port asked for on `--listen`: 0 (a free one, new at every restart) or a fixed one.
    let listenPort: Int
    /// The admin listener's port, when started with `--admin-listen`.
    let adminPort: Int?
    /// The ports of the listeners after the first, by name (`listeners=` in a `--config` file).
    let namedListenerPorts: [String: Int]
    /// Whether `--listen` names the one listener (false: the `--config` file's `listeners` do).
    let listenFlag: Bool
    let furtherListeners: Int
    let arguments: [String]
    let logFile: URL
    private let process: Process
    /// Whether the data directory goes with this process (false once `restarted()` hands it on, or
    /// when the caller owns it, as `ClusterProcesses` does).
    private var ownsDataDirectory: Bool

    var processIdentifier: Int32 { process.processIdentifier }
    var bootstrap: String { "127.0.0.1:\(port)" }

    /// The broker's log so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// `arguments` are extra `pier serve` flags, e.g. `["--engine", "segments"]`. `appendingToLog`
    /// keeps what an earlier process on the same data directory logged (a cluster's restarts).
    /// `listenFlag: false` leaves the listeners to `listeners=` in a `--config` file; `furtherListeners`
    /// is how many it names after the first, whose ports are then read from the broker's announcement.
    init(dataDirectory: URL? = nil, arguments: [String] = [], listenPort: Int = 0, ownsDataDirectory: Bool = true,
         appendingToLog: Bool = false, startTimeoutSeconds: Double = 60, listenFlag: Bool = true, furtherListeners: Int = 0) throws {
        self.listenFlag = listenFlag
        self.furtherListeners = furtherListeners
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("pier-serve-\(UUID().uuidString)")
        self.dataDirectory = directory
        self.arguments = arguments
        self.listenPort = listenPort
        self.ownsDataDirectory = ownsDataDirectory
        logFile = URL(fileURLWithPath: directory.path + ".log")
        if !appendingToLog || !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        process = Process()
        process.executableURL = PierBinary.url
        process.arguments = ["serve"] + (listenFlag ? ["--listen", "127.0.0.1:\(listenPort)"] : []) + ["--data-dir", directory.path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        let log = try FileHandle(forWritingTo: logFile)
        try log.seekToEnd()
        process.standardError = log
        try process.run()
        // The broker prints one line once it is listening: "pier: listening on HOST:PORT", then
        // with --admin-listen a second: "pier: admin listening on HOST:PORT". Read with a deadline
        // (poll), so a broker that never gets there fails the test instead of hanging it.
        let adminLines = arguments.contains("--admin-listen") ? 1 : 0
        let expectedLines = 1 + adminLines + furtherListeners
        var output = Data()
        let deadline = Date().addingTimeInterval(startTimeoutSeconds)
        let readEnd = stdout.fileHandleForReading.fileDescriptor
        while output.filter({ $0 == UInt8(ascii: "\n") }).count < expectedLines {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { break }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno == EINTR { continue }
            guard ready >= 0 else { break }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(readEnd, &buffer, buffer.count)
            if count <= 0 { break }
            output.append(contentsOf: buffer[..<count])
        }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count >= expectedLines, let port = Self.port(in: lines[0]) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw BrokerFailedToStart(output: lines.joined(separator: "\n") + ((try? String(contentsOf: logFile, encoding: .utf8)) ?? ""))
        }
        self.port = port
        adminPort = adminLines == 1 ? Self.port(in: lines[1]) : nil
        var named: [String: Int] = [:]
        for line in lines.dropFirst(1 + adminLines) {
            guard let scheme = line.range(of: "://"), let port = Self.port(in: line) else { continue }
            named[String(line[..<scheme.lowerBound].split(separator: " ").last ?? "")] = port
        }
        namedListenerPorts = named
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

    /// Whether the process is stopped by `pause()` (SIGSTOP) and not yet resumed.
    private(set) var isPaused = false

    /// SIGKILL, as a crash or `kill -9` would: nothing is flushed, nothing deregisters. Waits until the
    /// process is gone, so its port and files are free when this returns.
    @discardableResult
    func kill9() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        isPaused = false
        return process.terminationStatus
    }

    /// SIGSTOP: the process stays, with its sockets open, but answers nothing until `resume()`.
    func pause() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGSTOP)
        isPaused = true
    }

    /// SIGCONT after `pause()`.
    func resume() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        isPaused = false
    }

    /// SIGTERM, then wait (bounded) for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if isPaused { resume() }
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            reportSlowStop()
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// Prints what a broker that outlived its stop limit was doing: its last log lines (a slow stop
    /// stage is logged as it ends) and, where gdb is installed, every thread's stack.
    private func reportSlowStop() {
        let lastLines = log.split(separator: "\n").suffix(15).joined(separator: "\n")
        print("pier \(processIdentifier) (\(dataDirectory.lastPathComponent)) did not stop 20 s after SIGTERM; its log ends:\n\(lastLines)")
        guard ExternalTool.path(of: "gdb") != nil,
              let stacks = try? ExternalTool.run("gdb", arguments: ["-p", "\(processIdentifier)", "-batch", "-ex", "thread apply all bt 25"],
                                                 timeoutSeconds: 60)
        else { return }
        print("its threads:\n" + stacks.split(separator: "\n").filter { $0.hasPrefix("#") || $0.hasPrefix("Thread") }.joined(separator: "\n"))
    }

    /// Stops this broker (SIGTERM) and starts another on the same data directory, flags and
    /// requested port (a fixed one stays; 0 picks a new free one); the new one owns the directory
    /// from then on if this one did. Returns the old one's exit status with it.
    func restarted() throws -> (broker: BrokerProcess, exitStatus: Int32) {
        let status = stop()
        return (try startedAgain(), status)
    }

    /// Another process on this one's data directory, flags and requested port, once this one has
    /// exited (stopped, or killed with `kill9()`); it takes over the directory. `appendingToLog`
    /// keeps this one's log in the same file.
    func startedAgain(appendingToLog: Bool = false) throws -> BrokerProcess {
        precondition(!process.isRunning, "start again only once the process has exited")
        let owns = ownsDataDirectory
        ownsDataDirectory = false
        return try BrokerProcess(dataDirectory: dataDirectory, arguments: arguments, listenPort: listenPort, ownsDataDirectory: owns,
                                 appendingToLog: appendingToLog, listenFlag: listenFlag, furtherListeners: furtherListeners)
    }

    deinit {
        stop()
        if ownsDataDirectory {
            try? FileManager.default.removeItem(at: dataDirectory)
            try? FileManager.default.removeItem(at: logFile)
        }
    }
}
