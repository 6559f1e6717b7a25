import Foundation

/// Kafka's znode layout and the JSON each node holds, as ZooKeeper-based Kafka wrote them,
/// so that anyone who knows that layout can read Pier's cluster state with `pier znode`.
public enum KafkaZnodes {
    public static let brokerIDs = "/brokers/ids"
    public static let topics = "/brokers/topics"
    public static let topicConfigs = "/config/topics"
    public static let clusterID = "/cluster/id"
    public static let controller = "/controller"
    public static let controllerEpoch = "/controller_epoch"

    public static func broker(_ id: Int32) -> String { "\(brokerIDs)/\(id)" }
    public static func topic(_ name: String) -> String { "\(topics)/\(name)" }
    public static func partitions(_ topic: String) -> String { "\(topics)/\(topic)/partitions" }
    public static func partition(_ topic: String, _ partition: Int32) -> String { "\(partitions(topic))/\(partition)" }
    public static func partitionState(_ topic: String, _ partition: Int32) -> String { "\(self.partition(topic, partition))/state" }
    public static func topicConfig(_ name: String) -> String { "\(topicConfigs)/\(name)" }
    /// Dynamic broker configs: one node per broker id, and `<default>` for the cluster-wide defaults.
    public static let brokerConfigs = "/config/brokers"
    public static let clusterDefaultBrokerEntity = "<default>"
    public static func brokerConfig(_ entity: String) -> String { "\(brokerConfigs)/\(entity)" }

    /// The persistent nodes every cluster has; created once by whichever broker starts first.
    public static let skeleton = [brokerIDs, topics, topicConfigs, "/cluster"]
}

/// `/brokers/ids/<id>`: an ephemeral registration, gone when the broker's session ends.
public struct BrokerRegistration: Codable, Equatable, Sendable {
    public var version: Int = 5
    public var host: String
    public var port: Int32
    public var endpoints: [String]
    public var listenerSecurityProtocolMap: [String: String]
    public var rack: String?
    /// Milliseconds since the epoch, as a string, as Kafka writes it.
    public var timestamp: String
    public var jmxPort: Int32 = -1

    public init(host: String, port: Int32, rack: String? = nil, registeredAtMilliseconds: Int64) {
        self.host = host
        self.port = port
        self.endpoints = ["PLAINTEXT://\(host):\(port)"]
        self.listenerSecurityProtocolMap = ["PLAINTEXT": "PLAINTEXT"]
        self.rack = rack
        self.timestamp = String(registeredAtMilliseconds)
    }

    /// One address per listener, as Kafka registers them: `endpoints` holds `NAME://HOST:PORT` and
    /// the protocol map each name's security protocol; `host` and `port` are the inter-broker
    /// listener's (the one other brokers replicate through).
    public init(endpoints: [Endpoint], interBroker: Endpoint, rack: String? = nil, registeredAtMilliseconds: Int64) {
        self.host = interBroker.host
        self.port = interBroker.port
        self.endpoints = endpoints.map { "\($0.listener)://\($0.host.contains(":") ? "[\($0.host)]" : $0.host):\($0.port)" }
        self.listenerSecurityProtocolMap = Dictionary(endpoints.map { ($0.listener, $0.securityProtocol) }) { first, _ in first }
        self.rack = rack
        self.timestamp = String(registeredAtMilliseconds)
    }

    public struct Endpoint: Equatable, Sendable {
        public var listener: String
        public var securityProtocol: String
        public var host: String
        public var port: Int32

        public init(listener: String, securityProtocol: String, host: String, port: Int32) {
            self.listener = listener
            self.securityProtocol = securityProtocol
            self.host = host
            self.port = port
        }
    }

    /// The address this broker registered for clients of `listener` (nil when it has no such
    /// listener: Kafka leaves such a broker out of what it tells those clients).
    public func address(listener: String) -> (host: String, port: Int32)? {
        for endpoint in endpoints {
            guard let separator = endpoint.range(of: "://"), endpoint[..<separator.lowerBound] == listener else { continue }
            let address = endpoint[separator.upperBound...]
            guard let colon = address.lastIndex(of: ":"), let port = Int32(address[address.index(after: colon)...]) else { continue }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return (host, port)
        }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case version, host, port, endpoints, rack, timestamp
        case listenerSecurityProtocolMap = "listener_security_protocol_map"
        case jmxPort = "jmx_port"
    }
}

/// `/brokers/topics/<topic>`: the replica assignment, partition → broker ids (first is the preferred leader).
public struct TopicAssignment: Codable, Equatable, Sendable {
    public var version: Int = 3
    public var partitions: [String: [Int32]]
    /// Base64url of the 16-byte topic id, as Kafka writes `topic_id`.
    public var topicID: String
    public var addingReplicas: [String: [Int32]] = [:]
    public var removingReplicas: [String: [Int32]] = [:]

    public init(topicID: UUID, replicas: [Int32: [Int32]]) {
        self.topicID = Self.base64URL(topicID)
        self.partitions = Dictionary(uniqueKeysWithValues: replicas.map { (String($0.key), $0.value) })
    }

    /// Replicas by partition number, sorted by partition.
    public var replicasByPartition: [(partition: Int32, replicas: [Int32])] {
        partitions.compactMap { key, value in Int32(key).map { ($0, value) } }.sorted { $0.partition < $1.partition }
    }

    public var topicUUID: UUID? {
        var text = topicID.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let bytes = Data(base64Encoded: text), bytes.count == 16 else { return nil }
        return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    static func base64URL(_ id: UUID) -> String {
        withUnsafeBytes(of: id.uuid) { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    enum CodingKeys: String, CodingKey {
        case version, partitions
        case topicID = "topic_id"
        case addingReplicas = "adding_replicas"
        case removingReplicas = "removing_replicas"
    }
}

/// `/brokers/topics/<topic>/partitions/<p>/state`: who leads, in which epoch, with which in-sync replicas.
/// Changed only with the znode version read before (compare-and-set), so two brokers cannot both win.
public struct PartitionState: Codable, Equatable, Sendable {
    public var version: Int = 1
    public var leader: Int32
    public var leaderEpoch: Int32
    public var isr: [Int32]
    public var controllerEpoch: Int32

    public init(leader: Int32, leaderEpoch: Int32, isr: [Int32], controllerEpoch: Int32) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.isr = isr
        self.controllerEpoch = controllerEpoch
    }

    enum CodingKeys: String, CodingKey {
        case version, leader, isr
        case leaderEpoch = "leader_epoch"
        case controllerEpoch = "controller_epoch"
    }
}

/// `/config/topics/<topic>`: the topic's overrides of broker defaults, all values as strings; the
/// same shape holds a broker's (or `<default>`'s) dynamic configs in `/config/brokers/<entity>`.
public struct TopicConfigOverrides: Codable, Equatable, Sendable {
    public var version: Int = 1
    public var config: [String: String]
    public init(config: [String: String]) { self.config = config }
}

/// `/cluster/id`.
public struct ClusterIdentity: Codable, Equatable, Sendable {
    public var version: String = "1"
    public var id: String
    public init(id: String) { self.id = id }
}

/// `/controller`: an ephemeral node naming the broker that currently acts as controller.
public struct ControllerRegistration: Codable, Equatable, Sendable {
    public var version: Int = 1
    public var brokerID: Int32
    public var timestamp: String

    public init(brokerID: Int32, electedAtMilliseconds: Int64) {
        self.brokerID = brokerID
        self.timestamp = String(electedAtMilliseconds)
    }

    enum CodingKeys: String, CodingKey {
        case version, timestamp
        case brokerID = "brokerid"
    }
}
