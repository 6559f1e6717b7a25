import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Real Apache ZooKeeper servers for tests: one (standalone) or three (a quorum), each a JVM on
/// free 127.0.0.1 ports with its own temporary data directory, stopped by `stopAll()`.
///
/// Debian's `zookeeper` package puts the server in `/usr/share/java/zookeeper.jar`, whose manifest
/// names every jar it needs; `PIER_ZOOKEEPER_CLASSPATH` overrides the class path. Tests that need
/// it carry `.enabled(if: ZooKeeperEnsemble.mustRun)`: without java or the jar they are skipped on a
/// developer machine and fail under CI (`CI=true`), where `scripts/install-test-deps.sh` installs both.
public final class ZooKeeperEnsemble: @unchecked Sendable {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every server's client address, `127.0.0.1:PORT`, in server order.
    public let servers: [String]
    /// `host:port,host:port,...`, as ZooKeeper clients take it.
    public var connectString: String { servers.joined(separator: ",") }
    public let clientPorts: [Int]

    private let directory: URL
    private let lock = NSLock()
    private var processes: [Process?]

    /// The server's tick: sessions may last from 2 to 240 ticks (0.5 s to 60 s).
    public static let tickMilliseconds = 250

    public static var classPath: String? {
        if let configured = ProcessInfo.processInfo.environment["PIER_ZOOKEEPER_CLASSPATH"], !configured.isEmpty { return configured }
        let debian = "/usr/share/java/zookeeper.jar"
        return FileManager.default.fileExists(atPath: debian) ? debian : nil
    }

    public static var isInstalled: Bool { ExternalTool.path(of: "java") != nil && classPath != nil }

    /// Whether tests that need ZooKeeper run: when it is installed, and always under CI (where its absence fails them).
    public static var mustRun: Bool { isInstalled || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Starts `count` servers (1: standalone, 3: a quorum) and waits until each serves clients.
    public static func start(servers count: Int, timeoutSeconds: Double = 45) throws -> ZooKeeperEnsemble {
        guard ExternalTool.path(of: "java") != nil, classPath != nil else {
            throw Unavailable(description: "ZooKeeper needs java and /usr/share/java/zookeeper.jar (Debian: apt-get install zookeeper; scripts/install-test-deps.sh)")
        }
        let ensemble = try ZooKeeperEnsemble(count: count)
        do {
            for index in 0..<count { try ensemble.start(index) }
            try ensemble.waitUntilServing(timeoutSeconds: timeoutSeconds)
        } catch {
            ensemble.stopAll()
            throw error
        }
        return ensemble
    }

    private init(count: Int) throws {
        precondition(count == 1 || count == 3, "a standalone server or a three-server quorum")
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-zookeeper-\(UUID().uuidString)")
        // Client, quorum and election port per server, all distinct.
        let ports = try Self.freePorts(count * 3)
        clientPorts = (0..<count).map { ports[$0 * 3] }
        servers = clientPorts.map { "127.0.0.1:\($0)" }
        processes = Array(repeating: nil, count: count)
        for index in 0..<count {
            let dataDirectory = directory.appendingPathComponent("server-\(index + 1)")
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            var lines = [
                "tickTime=\(Self.tickMilliseconds)", "initLimit=40", "syncLimit=20",
                "minSessionTimeout=\(2 * Self.tickMilliseconds)", "maxSessionTimeout=60000",
                "dataDir=\(dataDirectory.path)", "clientPort=\(clientPorts[index])", "clientPortAddress=127.0.0.1",
                "admin.enableServer=false", "4lw.commands.whitelist=*", "maxClientCnxns=0",
            ]
            if count > 1 {
                try "\(index + 1)\n".write(to: dataDirectory.appendingPathComponent("myid"), atomically: true, encoding: .utf8)
                lines += (0..<count).map { "server.\($0 + 1)=127.0.0.1:\(ports[$0 * 3 + 1]):\(ports[$0 * 3 + 2])" }
            }
            try (lines.joined(separator: "\n") + "\n").write(to: configuration(index), atomically: true, encoding: .utf8)
        }
    }

    deinit { stopAll() }

    private func configuration(_ index: Int) -> URL { directory.appendingPathComponent("zoo-\(index + 1).cfg") }

    /// The server's output (the JVM's; ZooKeeper's own logging is off without an SLF4J binding).
    public func output(_ index: Int) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("server-\(index + 1).out"), encoding: .utf8)) ?? ""
    }

    /// Starts server `index` (again, after `stop`), keeping its data.
    public func start(_ index: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ExternalTool.path(of: "java")!)
        process.arguments = [
            "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", Self.classPath!, "org.apache.zookeeper.server.quorum.QuorumPeerMain", configuration(index).path,
        ]
        let outputPath = directory.appendingPathComponent("server-\(index + 1).out").path
        if !FileManager.default.fileExists(atPath: outputPath) { _ = FileManager.default.createFile(atPath: outputPath, contents: nil) }
        let output = FileHandle(forWritingAtPath: outputPath)!
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.withLock { processes[index] = process }
    }

    /// Stops server `index` (SIGTERM, then SIGKILL after five seconds) and waits until it exited.
    public func stop(_ index: Int) {
        guard let process = lock.withLock({ () -> Process? in defer { processes[index] = nil }; return processes[index] }) else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        var deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        // Not waitUntilExit: it can miss an exit Foundation already reaped and wait forever.
        deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
    }

    public func stopAll() {
        for index in 0..<servers.count { stop(index) }
        try? FileManager.default.removeItem(at: directory)
    }

    public func isRunning(_ index: Int) -> Bool { lock.withLock { processes[index]?.isRunning ?? false } }

    /// The server index whose client port is `port`.
    public func index(ofClientPort port: Int) -> Int? { clientPorts.firstIndex(of: port) }

    /// Waits until every running server serves clients: standalone, or leader or follower of a quorum.
    public func waitUntilServing(timeoutSeconds: Double = 45) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        for index in 0..<servers.count where isRunning(index) {
            while !(Self.fourLetterWord("srvr", port: clientPorts[index])?.contains("Mode: ") ?? false) {
                guard Date() < deadline, isRunning(index) else {
                    throw Unavailable(description: "ZooKeeper server \(index + 1) did not start serving: \(output(index).suffix(2000))")
                }
                usleep(100_000)
            }
        }
    }

    /// The server's mode (`standalone`, `leader`, `follower`), nil when it does not answer.
    public func mode(_ index: Int) -> String? {
        guard let answer = Self.fourLetterWord("srvr", port: clientPorts[index]),
              let line = answer.split(separator: "\n").first(where: { $0.hasPrefix("Mode: ") }) else { return nil }
        return String(line.dropFirst("Mode: ".count))
    }

    /// Sends a four-letter command (`ruok`, `srvr`, ...) and returns the answer, nil when the port does not answer.
    public static func fourLetterWord(_ word: String, port: Int) -> String? {
        let socket = makeStreamSocket()
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, send(socket, word, word.utf8.count, 0) == word.utf8.count else { return nil }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer += buffer[..<count]
        }
        return answer.isEmpty ? nil : String(decoding: answer, as: UTF8.self)
    }

    /// Ports the kernel has free on 127.0.0.1 now, by binding to port 0 (all held at once, so distinct).
    public static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        return try (0..<count).map { _ in
            let socket = makeStreamSocket()
            guard socket >= 0 else { throw Unavailable(description: "socket() failed: errno \(errno)") }
            sockets.append(socket)
            var address = loopback(port: 0)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw Unavailable(description: "bind() failed: errno \(errno)") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
            }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    private static func makeStreamSocket() -> Int32 {
        #if canImport(Glibc)
        socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        socket(AF_INET, SOCK_STREAM, 0)
        #endif
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
