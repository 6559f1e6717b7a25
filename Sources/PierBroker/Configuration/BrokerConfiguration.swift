import PierCoordination
import PierStorage

/// The broker's own settings: Kafka's names, read from a `server.properties`-style file and then
/// overridden by command-line flags. Topic defaults (`log.retention.ms`, ...) pass through to
/// `TopicConfiguration` as broker synonyms.
struct BrokerConfiguration: Sendable, Equatable {
    var nodeID: Int32 = 1
    /// `listeners` (with `listener.security.protocol.map`): where the broker accepts clients and how
    /// each listener secures its connections. `advertised.listeners` sets the address clients are told
    /// to connect to (Metadata, FindCoordinator, DescribeCluster) per listener when it is not the bound
    /// one, e.g. behind a proxy or NAT.
    var listeners = [Listener(name: "PLAINTEXT", securityProtocol: .plaintext, host: "127.0.0.1", port: 9092)]
    /// `inter.broker.listener.name`: the listener other brokers replicate through, registered as the
    /// broker's `host` and `port`. Unset: the first PLAINTEXT listener, else the first one (followers
    /// fetch without TLS or SASL so far, so a cluster needs a PLAINTEXT listener for them).
    var interBrokerListenerName: String?
    var interBrokerListenerIndex: Int {
        if let interBrokerListenerName, let index = listeners.firstIndex(where: { $0.name == interBrokerListenerName }) { return index }
        return listeners.firstIndex { $0.securityProtocol == .plaintext } ?? 0
    }
    /// The TLS settings of each listener on SSL or SASL_SSL, by listener name.
    var tls: [String: TLSSettings] = [:]
    /// The SASL settings of each listener on SASL_PLAINTEXT or SASL_SSL, by listener name.
    var sasl: [String: SASLSettings] = [:]
    /// `connection.failed.authentication.delay.ms`: how long a failed authentication waits before its
    /// answer and the close, as Kafka does, so password guessing is slow.
    var failedAuthenticationDelayMilliseconds: Int64 = 100
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
    /// `replica.lag.time.max.ms`, `replica.fetch.wait.max.ms`, `replica.fetch.max.bytes`,
    /// `replica.fetch.response.max.bytes`, `replica.fetch.backoff.ms`.
    var replication = ReplicationSettings()
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
            case "connection.failed.authentication.delay.ms":
                failedAuthenticationDelayMilliseconds = try Self.integer(name, value, Int64.self, minimum: 0)
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
            case "replica.lag.time.max.ms":
                replication.lagTimeMaxMilliseconds = try Self.integer(name, value, Int64.self, minimum: 1)
            case "replica.fetch.wait.max.ms":
                replication.fetchWaitMaxMilliseconds = try Self.integer(name, value, Int32.self, minimum: 0)
            case "replica.fetch.max.bytes":
                replication.fetchMaxBytes = try Self.integer(name, value, Int32.self, minimum: 1)
            case "replica.fetch.response.max.bytes":
                replication.fetchResponseMaxBytes = try Self.integer(name, value, Int32.self, minimum: 1)
            case "replica.fetch.backoff.ms":
                replication.fetchBackoffMilliseconds = try Self.integer(name, value, Int64.self, minimum: 0)
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
        try resolveListeners()
    }

    /// Listeners, their advertised addresses and their TLS and SASL settings, from every setting so
    /// far: these depend on one another, so they are read together once all are known.
    private mutating func resolveListeners() throws(Problem) {
        let protocolMap = try settings["listener.security.protocol.map"].map(Listener.parseProtocolMap) ?? Listener.defaultProtocolMap
        var resolved = try settings["listeners"].map { value throws(Problem) in try Listener.parseList(value, protocolMap: protocolMap) }
            ?? listeners
        if let advertised = settings["advertised.listeners"] { try Listener.advertise(advertised, on: &resolved) }
        var tls: [String: TLSSettings] = [:]
        var sasl: [String: SASLSettings] = [:]
        for listener in resolved {
            if listener.securityProtocol.usesTLS { tls[listener.name] = try TLSSettings.forListener(listener.name, in: settings) }
            if listener.securityProtocol.usesSASL { sasl[listener.name] = try SASLSettings.forListener(listener.name, in: settings) }
        }
        if let name = settings["inter.broker.listener.name"]?.uppercased() {
            guard resolved.contains(where: { $0.name == name }) else {
                throw .invalidValue(name: "inter.broker.listener.name", value: name, expected: "the name of a listener in listeners")
            }
            interBrokerListenerName = name
        }
        (listeners, self.tls, self.sasl) = (resolved, tls, sasl)
    }

    private static func integer<T: FixedWidthInteger>(_ name: String, _ value: String, _: T.Type, minimum: T) throws(Problem) -> T {
        guard let number = T(value), number >= minimum else {
            throw .invalidValue(name: name, value: value, expected: "an integer ≥ \(minimum)")
        }
        return number
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> SubSequence {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
