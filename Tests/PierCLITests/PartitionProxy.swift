import Foundation
import PierTestSupport

/// `Tests/Clients/partition_proxy.py`: loopback proxies in front of brokers (and of a store that is a
/// server) that the test opens, isolates (only allowed client ids pass) or closes, one route at a time.
/// Each command returns once the proxy has applied it.
final class PartitionProxy {
    enum Mode: String { case open, isolate, closed }

    struct Route {
        var name: String
        var listenPort: Int
        var upstreamPort: Int
        /// Whether the proxy reads Kafka request headers on it (needed for `isolate`).
        var kafka: Bool
        var spec: String { "\(name):\(listenPort):\(upstreamPort)" + (kafka ? ":kafka" : "") }
    }

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    /// Client ids that pass an isolated route: the fault tests' producer and the pier tools.
    static let testClients = ["fault-producer", "fault-verifier", "pier-cli"]

    init(routes: [Route], allowing allowed: [String] = PartitionProxy.testClients) throws {
        guard let python = ExternalTool.path(of: "python3") else {
            throw ClusterFailure("python3 is not installed (scripts/install-test-deps.sh installs it)")
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", ClientScripts.path("partition_proxy.py"), "--allow", allowed.joined(separator: ",")] + routes.map(\.spec)
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        guard try line(timeoutSeconds: 10) == "ready" else { throw ClusterFailure("partition_proxy.py did not start") }
    }

    func set(_ route: String, _ mode: Mode) throws {
        input.fileHandleForWriting.write(Data("\(route) \(mode.rawValue)\n".utf8))
        let answer = try line(timeoutSeconds: 10)
        guard answer == "ok \(route) \(mode.rawValue)" else { throw ClusterFailure("partition_proxy.py answered '\(answer)' to \(route) \(mode)") }
    }

    /// The next line the proxy prints, waiting at most `timeoutSeconds`.
    private func line(timeoutSeconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let descriptor = output.fileHandleForReading.fileDescriptor
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw ClusterFailure("partition_proxy.py said nothing for \(timeoutSeconds) s") }
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&pollDescriptor, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            var bytes = [UInt8](repeating: 0, count: 1024)
            let count = read(descriptor, &bytes, bytes.count)
            guard count > 0 else { throw ClusterFailure("partition_proxy.py exited") }
            buffered.append(contentsOf: bytes[..<count])
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
