import PierCoordination
import PierStorage

/// The broker's own settings: Kafka's names, read from a `server.properties`-style file and then
/// overridden by command-line flags. Topic defaults (`log.retention.ms`, ...) pass through to
/// `TopicConfiguration` as broker synonyms.
struct BrokerConfiguration: Sendable, Equatable {
    var nodeID: Int32 = 1
    var listenerHost = "127.0.0.1"
    var listenerPort = 9092
    /// `advertised.listeners`: the address clients are told to connect to (Metadata, FindCoordinator,
    /// DescribeCluster) when it is not the bound one, e.g. behind a proxy or NAT. Nil: the bound address.
    var advertisedListener: AdvertisedListener?
    var dataDirectory = "./pier-data"
    /// `coordination` (or Kafka's `zookeeper.connect`): where the cluster's znodes live. Nil: a
    /// SQLite file inside the data directory, which makes a lone broker work with no setting at all.
    var explicitCoordination: CoordinationURI?
    var coordination: CoordinationURI { explicitCoordination ?? .sqlite(path: dataDirectory + "/coordination.db") }
    /// `zookeeper.session.timeout.ms`: a broker whose coordination session misses heartbeats this long
    /// counts as gone and loses its leaderships. Kafka's ZooKeeper default is 18 s; Pier's liveness is
    /// this session alone, so the default is short enough for failover within a few seconds.
    var sessionTimeoutMilliseconds: Int64 = 2_000
    /// `auto.leader.rebalance.enable`: the controller moves leadership back to each partition's
    /// preferred (first) replica once it is in sync again.
    var autoLeaderRebalance = true
    /// `leader.imbalance.check.interval.seconds`: how often the controller looks for such partitions.
    var leaderImbalanceCheckIntervalSeconds: Int64 = 300
    var autoCreateTopics = true
    var defaultPartitions: Int32 = 1
    var defaultReplicationFactor: Int16 = 1
    /// `socket.request.max.bytes`: the largest request frame accepted.
    var maximumRequestBytes = 104_857_600
    var retentionCheckIntervalMilliseconds: Int64 = 300_000
    /// `connections.max.idle.ms`: a connection with no traffic for this long is closed.
    var connectionsMaxIdleMilliseconds: Int64 = 600_000
    /// `storage.engine` (Pier's own setting, `--engine`): the engine new partitions are created with.
    var storageEngine: StorageEngine = .sqlite
    /// `num.io.threads`: threads that run blocking storage calls.
    var ioThreads = 8
    /// `log.flush.interval.ms`: unset leaves flushing to the operating system, as Kafka does.
    var flushPolicy: FlushPolicy = .operatingSystem
    /// `offsets.topic.num.partitions`: shards of consumer-group state (Kafka's `__consumer_offsets` partitions).
    var groupShards = 50
    /// `offsets.topic.replication.factor`: replicas of each `__consumer_offsets` partition (a group
    /// shard's journal). Kafka's default; the topic is created with at most as many as are live then.
    var offsetsTopicReplicationFactor: Int16 = 3
    /// `group.initial.rebalance.delay.ms`, `group.min.session.timeout.ms`, `group.max.session.timeout.ms`.
    var groupSettings = ConsumerGroup.Settings()
    /// `offsets.retention.minutes`: committed offsets of a group without members expire this long
    /// after it became Empty and after their commit (KIP-211); 7 days, as in Kafka.
    var offsetsRetentionMinutes: Int32 = 10_080
    /// `offsets.retention.check.interval.ms`: how often offset expiry runs.
    var offsetsRetentionCheckIntervalMilliseconds: Int64 = 600_000
    var offsetsRetentionMilliseconds: Int64 { Int64(offsetsRetentionMinutes) * 60_000 }
    /// Every setting as given (file, then flags), for topic defaults and DescribeConfigs on the broker.
    var settings: [String: String] = [:]

    enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case malformedLine(number: Int, text: String)
        case invalidValue(name: String, value: String, expected: String)

        var description: String {
            switch self {
            case let .malformedLine(number, text): "line \(number): expected name=value, got '\(text)'"
            case let .invalidValue(name, value, expected): "\(name)=\(value): expected \(expected)"
            }
        }
    }

    /// Parses Java-properties-style text: `name=value` or `name: value` lines, `#`/`!` comments.
    static func parseProperties(_ text: String) throws(Problem) -> [String: String] {
        var result: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let separator = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .malformedLine(number: index + 1, text: String(line))
            }
            let name = line[..<separator].trimmingWhitespace()
            guard !name.isEmpty else { throw .malformedLine(number: index + 1, text: String(line)) }
            result[String(name)] = String(line[line.index(after: separator)...].trimmingWhitespace())
        }
        return result
    }

    /// Applies settings over the current values; unknown names are kept (they may be topic defaults).
    mutating func apply(_ newSettings: [String: String]) throws(Problem) {
        for (name, value) in newSettings.sorted(by: { $0.key < $1.key }) {
            switch name {
            case "node.id", "broker.id":
                nodeID = try Self.integer(name, value, Int32.self, minimum: 0)
            case "listeners":
                (listenerHost, listenerPort) = try Self.listener(value, name: name)
            case "advertised.listeners":
                let (host, port) = try Self.listener(value, name: name)
                guard port > 0, host != "0.0.0.0", host != "::" else {
                    throw .invalidValue(name: name, value: value, expected: "a reachable HOST:PORT (no wildcard host, no port 0)")
                }
                advertisedListener = AdvertisedListener(host: host, port: port)
            case "log.dirs", "log.dir":
                guard let first = value.split(separator: ",").first, !first.isEmpty else {
                    throw .invalidValue(name: name, value: value, expected: "a directory")
                }
                dataDirectory = String(first)
            case "coordination":
                do { explicitCoordination = try CoordinationURI(parsing: value) } catch {
                    throw .invalidValue(name: name, value: value, expected: "sqlite:PATH or zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT]")
                }
            case "zookeeper.connect":
                // `coordination` names the store explicitly and wins over Kafka's name for it.
                guard newSettings["coordination"] == nil else { break }
                do { explicitCoordination = try CoordinationURI(zookeeperConnect: value) } catch {
                    throw .invalidValue(name: name, value: value, expected: "HOST:PORT[,HOST:PORT...][/CHROOT]")
                }
            case "zookeeper.session.timeout.ms":
                sessionTimeoutMilliseconds = try Self.integer(name, value, Int64.self, minimum: 300)
            case "auto.leader.rebalance.enable":
                guard let flag = Bool(value.lowercased()) else { throw .invalidValue(name: name, value: value, expected: "true or false") }
                autoLeaderRebalance = flag
            case "leader.imbalance.check.interval.seconds":
                leaderImbalanceCheckIntervalSeconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "auto.create.topics.enable":
                guard let flag = Bool(value.lowercased()) else { throw .invalidValue(name: name, value: value, expected: "true or false") }
                autoCreateTopics = flag
            case "num.partitions":
                defaultPartitions = try Self.integer(name, value, Int32.self, minimum: 1)
            case "default.replication.factor":
                defaultReplicationFactor = try Self.integer(name, value, Int16.self, minimum: 1)
            case "socket.request.max.bytes":
                maximumRequestBytes = try Self.integer(name, value, Int.self, minimum: 1)
            case "log.retention.check.interval.ms":
                retentionCheckIntervalMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "connections.max.idle.ms":
                connectionsMaxIdleMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "storage.engine":
                guard let engine = StorageEngine(rawValue: value) else {
                    throw .invalidValue(name: name, value: value, expected: StorageEngine.allCases.map(\.rawValue).joined(separator: " or "))
                }
                storageEngine = engine
            case "offsets.topic.replication.factor":
                offsetsTopicReplicationFactor = try Self.integer(name, value, Int16.self, minimum: 1)
            case "offsets.topic.num.partitions":
                groupShards = try Self.integer(name, value, Int.self, minimum: 1)
            case "group.initial.rebalance.delay.ms":
                groupSettings.initialRebalanceDelayMilliseconds = try Self.integer(name, value, Int64.self, minimum: 0)
            case "group.min.session.timeout.ms":
                groupSettings.minimumSessionTimeoutMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "group.max.session.timeout.ms":
                groupSettings.maximumSessionTimeoutMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "offsets.retention.minutes":
                offsetsRetentionMinutes = try Self.integer(name, value, Int32.self, minimum: 1)
            case "offsets.retention.check.interval.ms":
                offsetsRetentionCheckIntervalMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "num.io.threads":
                ioThreads = try Self.integer(name, value, Int.self, minimum: 1)
            case "log.flush.interval.ms":
                let milliseconds = try Self.integer(name, value, Int64.self, minimum: 0)
                flushPolicy = milliseconds == 0 ? .everyAppend : .interval(milliseconds: milliseconds)
            default:
                break
            }
            settings[name] = value
        }
    }

    private static func integer<T: FixedWidthInteger>(_ name: String, _ value: String, _: T.Type, minimum: T) throws(Problem) -> T {
        guard let number = T(value), number >= minimum else {
            throw .invalidValue(name: name, value: value, expected: "an integer ≥ \(minimum)")
        }
        return number
    }

    /// `PLAINTEXT://host:port` or `host:port`; the first listener wins.
    private static func listener(_ value: String, name: String) throws(Problem) -> (String, Int) {
        let first = value.split(separator: ",").first.map(String.init) ?? ""
        let address = first.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? first
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65_535).contains(port)
        else {
            throw .invalidValue(name: name, value: value, expected: "HOST:PORT or PLAINTEXT://HOST:PORT")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}

/// Where clients reach this broker when that differs from where it listens.
struct AdvertisedListener: Sendable, Equatable {
    var host: String
    var port: Int
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
