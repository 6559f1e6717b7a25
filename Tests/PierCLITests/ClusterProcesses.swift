import Foundation
import PierTestSupport
import Testing

/// The coordination stores a cluster test runs against. Each test that takes a store runs once per
/// case in `tested`.
enum ClusterStore: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// One `coordination.db` beside the brokers' data directories, shared by the processes.
    case sqlite
    /// A standalone ZooKeeper server (`ZooKeeperEnsemble`), the cluster under a chroot of its own.
    case zookeeper

    var testDescription: String { rawValue }

    /// Whether the store is a server the brokers reach over TCP (a proxy can cut a broker off it).
    var isServer: Bool {
        switch self {
        case .sqlite: false
        case .zookeeper: true
        }
    }

    /// The stores whose tools are here (or, under CI=true, all of them: a missing tool fails).
    static var tested: [ClusterStore] { allCases.filter { $0 != .zookeeper || ZooKeeperEnsemble.mustRun } }

    /// Starts the store for a cluster whose files go under `root`.
    func start(root: URL) throws -> RunningStore {
        switch self {
        case .sqlite:
            let path = root.appendingPathComponent("coordination.db").path
            return RunningStore(kind: self, tcpPort: nil, uri: { _ in "sqlite:\(path)" }, keepAlive: nil)
        case .zookeeper:
            let ensemble = try ZooKeeperEnsemble.start(servers: 1)
            let port = ensemble.clientPorts[0]
            let chroot = "/pier-\(UUID().uuidString.prefix(8).lowercased())"
            return RunningStore(kind: self, tcpPort: port, uri: { override in "zookeeper:127.0.0.1:\(override ?? port)\(chroot)" },
                                keepAlive: ensemble)
        }
    }
}

/// A started coordination store: the URI each broker is given, and what keeps it running.
struct RunningStore {
    let kind: ClusterStore
    /// The store's TCP port on 127.0.0.1 when it is a server (nil for a file: nothing to cut).
    let tcpPort: Int?
    /// The URI for a broker; `port` replaces the server's port (a proxy's), for servers only.
    let uri: (_ port: Int?) -> String
    /// The server the cluster holds until it is done (a `ZooKeeperEnsemble` stops when released).
    let keepAlive: AnyObject?
}

/// A cluster of real `pier serve` processes on loopback, node ids 1...N, sharing one coordination
/// store, each with its own data directory under one root (`broker-N/`, its log `broker-N.log`).
///
/// Ports are chosen up front and kept: a broker killed and started again listens where it did, so a
/// client's bootstrap list stays valid. Process control (kill -9, SIGSTOP/SIGCONT, restarts, an
/// emptied data directory) lives here and nowhere else; client scripts only produce, consume and
/// report. Everything goes (SIGKILL if need be, then the root) when the cluster is released.
final class ClusterProcesses {
    struct Node {
        let id: Int32
        let port: Int
        let adminPort: Int?
        /// The port the broker advertises, when a proxy stands in front of it.
        let advertisedPort: Int?
        let dataDirectory: URL
        let configFile: URL
        var bootstrap: String { "127.0.0.1:\(port)" }
    }

    let root: URL
    let store: RunningStore
    let nodes: [Node]
    private var processes: [Int32: BrokerProcess] = [:]

    /// Every broker's address, for a client's bootstrap list.
    var bootstrap: String { nodes.map(\.bootstrap).joined(separator: ",") }

    /// `settings` go into every broker's `--config` file (Kafka names, e.g. `replica.lag.time.max.ms`);
    /// `advertisedPorts` (node id → port) makes a broker advertise another port, a proxy's;
    /// `storePorts` (node id → port) points a broker at its own way to a networked store (a proxy).
    /// The brokers are not started: call `startAll()`.
    init(brokers count: Int = 3, store kind: ClusterStore = .sqlite, settings: [String: String] = [:], adminListeners: Bool = false,
         advertisedPorts: [Int32: Int] = [:], storePorts: [Int32: Int] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pier-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        store = try kind.start(root: root)
        var nodes: [Node] = []
        var taken: Set<Int> = []
        func freePort() throws -> Int {
            while true {
                let port = try ClosedPort.loopback()
                if taken.insert(port).inserted { return port }
            }
        }
        for id in Int32(1)...Int32(count) {
            let port = try freePort()
            let adminPort = adminListeners ? try freePort() : nil
            let configFile = root.appendingPathComponent("broker-\(id).properties")
            var nodeSettings = settings
            if let advertised = advertisedPorts[id] { nodeSettings["advertised.listeners"] = "PLAINTEXT://127.0.0.1:\(advertised)" }
            try nodeSettings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
                .write(to: configFile, atomically: true, encoding: .utf8)
            nodes.append(Node(id: id, port: port, adminPort: adminPort, advertisedPort: advertisedPorts[id],
                              dataDirectory: root.appendingPathComponent("broker-\(id)"), configFile: configFile))
        }
        self.nodes = nodes
        self.storePorts = storePorts
    }

    private let storePorts: [Int32: Int]

    func node(_ id: Int32) -> Node { nodes[Int(id) - 1] }

    private func arguments(for node: Node) -> [String] {
        var arguments = ["--node-id", String(node.id), "--coordination", store.uri(storePorts[node.id]), "--config", node.configFile.path]
        if let adminPort = node.adminPort { arguments += ["--admin-listen", "127.0.0.1:\(adminPort)"] }
        return arguments
    }

    // MARK: Process control

    /// Starts every broker that is not running, one after the other.
    func startAll() throws {
        for node in nodes where !isRunning(node.id) { try start(node.id) }
    }

    /// Starts broker `id` on its port and data directory; `emptyingData` removes the directory first
    /// (a replacement disk). A port still held by the old process's connections is retried for a while.
    func start(_ id: Int32, emptyingData: Bool = false) throws {
        precondition(!isRunning(id), "broker \(id) is running")
        let node = node(id)
        if emptyingData { try? FileManager.default.removeItem(at: node.dataDirectory) }
        let deadline = Date().addingTimeInterval(20)
        while true {
            do {
                processes[id] = try BrokerProcess(dataDirectory: node.dataDirectory, arguments: arguments(for: node), listenPort: node.port,
                                                  ownsDataDirectory: false, appendingToLog: true)
                return
            } catch let failure as BrokerProcess.BrokerFailedToStart where failure.output.contains("in use") && Date() < deadline {
                usleep(200_000)
            }
        }
    }

    func isRunning(_ id: Int32) -> Bool { processes[id]?.isRunning ?? false }
    func isPaused(_ id: Int32) -> Bool { processes[id]?.isPaused ?? false }

    /// The brokers running and not paused.
    var responsive: [Node] { nodes.filter { isRunning($0.id) && !isPaused($0.id) } }

    /// SIGKILL broker `id` and wait until it is gone; returns when it was killed.
    @discardableResult
    func kill(_ id: Int32) -> Date {
        let killed = Date()
        processes[id]?.kill9()
        return killed
    }

    /// SIGTERM broker `id` and wait (bounded) for it to exit; returns its exit status.
    @discardableResult
    func stop(_ id: Int32) -> Int32 { processes[id]?.stop() ?? 0 }

    /// SIGSTOP broker `id`: its sockets stay open, it answers nothing.
    func pause(_ id: Int32) { processes[id]?.pause() }

    /// SIGCONT broker `id`.
    func resume(_ id: Int32) { processes[id]?.resume() }

    /// SIGTERM every broker; returns the exit statuses by node id.
    @discardableResult
    func stopAll() -> [Int32: Int32] {
        var statuses: [Int32: Int32] = [:]
        for node in nodes where processes[node.id] != nil { statuses[node.id] = stop(node.id) }
        return statuses
    }

    /// Broker `id`'s log, across its restarts.
    func log(_ id: Int32) -> String { (try? String(contentsOf: URL(fileURLWithPath: node(id).dataDirectory.path + ".log"), encoding: .utf8)) ?? "" }

    /// The tail of every broker's log, for a failure message.
    func logTails(lines: Int = 30, naming partition: String? = nil) -> String {
        nodes.map { node in
            let chosen = partition.map { logLines(node.id, naming: $0) } ?? log(node.id).split(separator: "\n")
            return "--- broker \(node.id)\(partition.map { " (lines naming \($0))" } ?? "") ---\n" + chosen.suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// A broker's log lines about one partition (`TOPIC-N`), as text or JSON metadata, so `t-1`
    /// does not also pick `t-10`'s lines.
    func logLines(_ id: Int32, naming partition: String) -> [Substring] {
        log(id).split(separator: "\n").filter { $0.contains("partition=\(partition) ") || $0.contains("\"\(partition)\"") }
    }

    deinit {
        for process in processes.values { process.kill9() }
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: Tools against the cluster

    /// `pier ARGS --bootstrap-server B` against each responsive broker in turn until one answers (exit 0).
    func pier(_ arguments: [String], timeoutSeconds: Double = 15) throws -> String {
        var failures: [String] = []
        for node in responsive {
            let outcome = try PierBinary.run(arguments + ["--bootstrap-server", node.bootstrap], timeoutSeconds: timeoutSeconds)
            if outcome.status == 0 { return outcome.stdout }
            failures.append("broker \(node.id): exit \(outcome.status): \(outcome.stderr)")
        }
        throw ClusterFailure("pier \(arguments.joined(separator: " ")) failed on every broker:\n" + failures.joined(separator: "\n"))
    }

    /// Creates a topic, retrying while the brokers are still registering (a replication factor above
    /// the live count is refused until they all are).
    func createTopic(_ name: String, partitions: Int = 1, replicationFactor: Int = 3, configs: [String: String] = [:], timeoutSeconds: Double = 30) throws {
        let arguments = ["topic", "create", name, "--partitions", String(partitions), "--replication-factor", String(replicationFactor)]
            + configs.sorted { $0.key < $1.key }.flatMap { ["--config", "\($0.key)=\($0.value)"] }
        try waitUntil("topic \(name) is created", timeoutSeconds: timeoutSeconds) {
            do { _ = try pier(arguments); return true } catch let failure as ClusterFailure {
                if failure.description.contains("already exists") { return true }
                return false
            }
        }
        try waitUntil("every partition of \(name) has a leader and a full ISR", timeoutSeconds: timeoutSeconds) {
            let states = try? describe(name)
            return states?.count == partitions && states!.allSatisfy { $0.leader > 0 && $0.isr.count == replicationFactor }
        }
    }

    /// One partition as `pier topic describe` shows it.
    struct PartitionState: Equatable, CustomStringConvertible {
        var partition: Int
        var leader: Int32
        var replicas: [Int32]
        var isr: [Int32]
        var logStartOffset: Int64
        var logEndOffset: Int64
        /// While the partition is being reassigned.
        var adding: [Int32] = []
        var removing: [Int32] = []
        var description: String {
            "partition \(partition): leader \(leader), replicas \(replicas), isr \(isr), offsets \(logStartOffset)..<\(logEndOffset)"
                + (adding.isEmpty && removing.isEmpty ? "" : ", adding \(adding), removing \(removing)")
        }
    }

    /// `pier topic describe TOPIC`, parsed; throws when no responsive broker answers.
    func describe(_ topic: String) throws -> [PartitionState] {
        try Self.parseDescribe(try pier(["topic", "describe", topic]))
    }

    static func parseDescribe(_ text: String) throws -> [PartitionState] {
        try text.split(separator: "\n").filter { $0.hasPrefix("\t") }.map { line in
            var fields: [String: String] = [:]
            for field in line.split(separator: "\t") {
                guard let colon = field.firstIndex(of: ":") else { continue }
                fields[String(field[..<colon])] = field[field.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let ids = { (text: String?) in (text ?? "").split(separator: ",").compactMap { Int32($0) } }
            guard let partition = fields["Partition"].flatMap(Int.init), let leader = fields["Leader"].flatMap(Int32.init),
                  let start = fields["LogStartOffset"].flatMap(Int64.init), let end = fields["LogEndOffset"].flatMap(Int64.init) else {
                throw ClusterFailure("unexpected describe line: \(line)")
            }
            return PartitionState(partition: partition, leader: leader, replicas: ids(fields["Replicas"]), isr: ids(fields["Isr"]),
                                  logStartOffset: start, logEndOffset: end, adding: ids(fields["Adding Replicas"]),
                                  removing: ids(fields["Removing Replicas"]))
        }
    }

    /// The leader of `partition` once one is responsive and, with `other`, is not that broker.
    @discardableResult
    func waitForLeader(_ topic: String, partition: Int = 0, other: Int32? = nil, timeoutSeconds: Double = 30) throws -> Int32 {
        var leader: Int32 = -1
        try waitUntil("partition \(partition) of \(topic) has a responsive leader" + (other.map { " other than \($0)" } ?? ""),
                      timeoutSeconds: timeoutSeconds) {
            guard let state = try? describe(topic).first(where: { $0.partition == partition }) else { return false }
            leader = state.leader
            return state.leader != other && responsive.contains { $0.id == state.leader }
        }
        return leader
    }

    /// Waits until the ISR of `partition` is exactly `members` (as a set); returns how long it took.
    @discardableResult
    func waitForIsr(_ topic: String, partition: Int = 0, _ members: Set<Int32>, timeoutSeconds: Double = 60) throws -> Double {
        let start = Date()
        var last = "(not described)"
        // On failure, the partition's own story: the plain tails are mostly other partitions' lines.
        try waitUntil("the ISR of \(topic)-\(partition) is \(members.sorted())", timeoutSeconds: timeoutSeconds,
                      detail: { "last described \(last)\n\(self.logTails(lines: 40, naming: "\(topic)-\(partition)"))" }) {
            guard let state = try? describe(topic).first(where: { $0.partition == partition }) else { return false }
            last = "\(state)"
            return Set(state.isr) == members
        }
        return Date().timeIntervalSince(start)
    }

    /// Polls `condition` every 100 ms until it holds; throws after the timeout with `detail`, by
    /// default every broker's log tail.
    func waitUntil(_ what: String, timeoutSeconds: Double, detail: (() -> String)? = nil, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            if try condition() { return }
            guard Date() < deadline else {
                throw ClusterFailure("timed out after \(timeoutSeconds) s waiting until \(what)\n\(detail?() ?? logTails())")
            }
            usleep(100_000)
        }
    }

    // MARK: Replica files

    /// A replica's partition database.
    func partitionFile(node id: Int32, topic: String, partition: Int) -> URL {
        node(id).dataDirectory.appendingPathComponent("\(topic)-\(partition)/partition.sqlite")
    }

    /// Every record of a replica as one line per record (offset, key, value, headers, timestamp; BLOBs
    /// in hex), read with `sqlite3 -readonly` from its `records` table, from offset `from` on.
    func replicaRows(node id: Int32, topic: String, partition: Int, from offset: Int64 = 0) throws -> [String] {
        let file = partitionFile(node: id, topic: topic, partition: partition)
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let sql = "SELECT \"offset\", quote(key), quote(value), quote(headers), timestamp FROM records WHERE \"offset\" >= \(offset) ORDER BY \"offset\""
        return try ExternalTool.run("sqlite3", arguments: ["-readonly", "-separator", "|", file.path, sql], timeoutSeconds: 60)
            .split(separator: "\n").map(String.init)
    }

    /// Every batch header of a replica as one line (base and last offset, leader epoch, attributes,
    /// producer id, epoch and base sequence, record count, CRC), from its `batches` table.
    func replicaBatches(node id: Int32, topic: String, partition: Int) throws -> [String] {
        let file = partitionFile(node: id, topic: topic, partition: partition)
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let sql = "SELECT base_offset, last_offset, partition_leader_epoch, attributes, producer_id, producer_epoch, base_sequence, record_count, crc "
            + "FROM batches ORDER BY base_offset"
        return try ExternalTool.run("sqlite3", arguments: ["-readonly", "-separator", "|", file.path, sql], timeoutSeconds: 60)
            .split(separator: "\n").map(String.init)
    }

    /// When the verifier found numbers twice: prints, for each sampled duplicate, the batch holding
    /// each copy on every replica (producer id, epoch, sequence, leader epoch) and the brokers' log
    /// lines about that partition's leadership and truncation, and keeps the cluster's files and the
    /// producer's control directory (its librdkafka `eos` log) in a folder that outlives the test,
    /// named in the output. A duplicate is rare and costs minutes to reproduce, so a failed run must
    /// carry what tells a broker's lost duplicate from a client's epoch bump.
    func keepEvidenceOfDuplicates(_ report: [String: Any], topic: String, producer: NumberedProducer) {
        guard let positions = report["duplicatePositions"] as? [String: [[Int]]], !positions.isEmpty else { return }
        var lines: [String] = []
        let partitions = Set(positions.values.flatMap { $0.map { $0[0] } })
        for partition in partitions.sorted() {
            let copies = positions.sorted { $0.key < $1.key }.flatMap { number, at in
                at.filter { $0[0] == partition }.map { (number: number, offset: $0[1]) }
            }
            for node in nodes {
                let batches = (try? replicaBatches(node: node.id, topic: topic, partition: partition)) ?? []
                // The row says what the database holds there; the verifier read the batch bytes a
                // leader served. A difference means served bytes that are not the rows'.
                let rows = (try? replicaRows(node: node.id, topic: topic, partition: partition, from: Int64(copies.map(\.offset).min() ?? 0))) ?? []
                for copy in copies {
                    let holding = batches.first { line in
                        let fields = line.split(separator: "|")
                        guard fields.count >= 2, let base = Int(fields[0]), let last = Int(fields[1]) else { return false }
                        return base <= copy.offset && copy.offset <= last
                    }
                    let row = rows.first { $0.hasPrefix("\(copy.offset)|") }
                    lines.append("number \(copy.number) at \(topic)-\(partition)@\(copy.offset) on broker \(node.id): batch \(holding ?? "(none)"), "
                                 + "row \(row ?? "(none)")")
                }
                for line in logLines(node.id, naming: "\(topic)-\(partition)")
                where ["truncat", "following", "leader", "epoch", "ISR", "refused"].contains(where: { line.contains($0) }) {
                    lines.append("broker \(node.id): \(line.prefix(400))")
                }
            }
        }
        let kept = URL(fileURLWithPath: "/tmp/pier-duplicates-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.copyItem(at: root, to: kept)
        try? FileManager.default.copyItem(at: producer.script.controlDirectory, to: kept.appendingPathComponent("producer"))
        print("duplicates found; evidence kept in \(kept.path):\n" + lines.joined(separator: "\n"))
    }

    /// The high watermark a replica has stored (`partition_state`).
    func storedHighWatermark(node id: Int32, topic: String, partition: Int) throws -> Int64? {
        let file = partitionFile(node: id, topic: topic, partition: partition)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return Int64(try ExternalTool.run("sqlite3", arguments: ["-readonly", file.path, "SELECT high_watermark FROM partition_state"])
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Compares the replicas of every partition once the brokers have stopped: the same rows, record
    /// for record, and the same batch headers (offsets, leader epochs, producer sequences, CRCs) on
    /// every replica in `nodes` (all by default). Returns, per partition, the record count; throws a
    /// description of the first difference.
    func compareReplicas(_ topic: String, partitions: Int, nodes ids: [Int32]? = nil) throws -> [Int] {
        let ids = ids ?? nodes.map(\.id)
        var counts: [Int] = []
        for partition in 0..<partitions {
            let rows = try ids.map { try replicaRows(node: $0, topic: topic, partition: partition) }
            for (index, other) in rows.enumerated().dropFirst() where other != rows[0] {
                let first = zip(rows[0], other).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(rows[0].count, other.count)
                throw ClusterFailure("""
                    \(topic)-\(partition): broker \(ids[0]) has \(rows[0].count) records, broker \(ids[index]) \(other.count); \
                    first difference at row \(first): \(first < rows[0].count ? rows[0][first] : "(none)") vs \
                    \(first < other.count ? other[first] : "(none)")
                    """)
            }
            let batches = try ids.map { try replicaBatches(node: $0, topic: topic, partition: partition) }
            for (index, other) in batches.enumerated().dropFirst() where other != batches[0] {
                let first = zip(batches[0], other).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(batches[0].count, other.count)
                throw ClusterFailure("""
                    \(topic)-\(partition): batch headers differ between brokers \(ids[0]) (\(batches[0].count)) and \(ids[index]) (\(other.count)) \
                    at batch \(first): \(first < batches[0].count ? batches[0][first] : "(none)") vs \(first < other.count ? other[first] : "(none)")
                    """)
            }
            counts.append(rows[0].count)
        }
        return counts
    }
}

struct ClusterFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
