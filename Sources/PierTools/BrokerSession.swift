import PierClient
import PierPerf
import PierProtocol

/// A connection to a broker from a bootstrap address, plus connections to partition leaders and
/// group coordinators found through it (reusing the bootstrap connection when they are the same
/// broker). Every command that talks to a broker goes through one.
public final class BrokerSession {
    public let bootstrap: String
    let connection: KafkaConnection
    private var brokerConnections: [String: KafkaConnection] = [:]

    private init(bootstrap: String, connection: KafkaConnection) {
        self.bootstrap = bootstrap
        self.connection = connection
        brokerConnections[connection.address] = connection
    }

    public static func connect(_ bootstrap: String, clientID: String = "pier-cli") async throws -> BrokerSession {
        let (host, port) = try PartitionLeader.parse(bootstrap: bootstrap)
        return BrokerSession(bootstrap: bootstrap, connection: try await KafkaConnection.connect(host: host, port: port, clientID: clientID))
    }

    public func close() async {
        for connection in brokerConnections.values { await connection.close() }
        brokerConnections = [:]
    }

    /// Runs `body` with a session and closes it, whatever happens.
    public static func with<Result>(_ bootstrap: String, _ body: (BrokerSession) async throws -> Result) async throws -> Result {
        let session = try await connect(bootstrap)
        do {
            let result = try await body(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// Every topic the broker knows, sorted by name.
    func allTopics() async throws -> [MetadataResponse.MetadataResponseTopic] {
        try await connection.metadata(topics: nil, allowAutoTopicCreation: false).topics.sorted { ($0.name ?? "") < ($1.name ?? "") }
    }

    /// The topic's metadata; `unknown topic 'NAME'` when the broker has no such topic.
    func topic(_ name: String) async throws -> (topic: MetadataResponse.MetadataResponseTopic, brokers: [MetadataResponse.MetadataResponseBroker]) {
        let metadata = try await connection.metadata(topics: [name], allowAutoTopicCreation: false)
        guard let topic = metadata.topics.first(where: { $0.name == name }) else {
            throw KafkaClientError.protocolViolation("the Metadata response does not mention topic \(name)")
        }
        switch ErrorCode(rawValue: topic.errorCode) {
        case .noError?: return (topic, metadata.brokers)
        case .unknownTopicOrPartition?: throw ToolFailure("unknown topic '\(name)'")
        case let code: throw KafkaClientError.broker(code ?? .unknownServerError, context: "metadata for topic \(name)")
        }
    }

    /// The topic's partition numbers, ascending; fails on an unknown topic or partition.
    func partitions(of topic: String, only partition: Int32? = nil) async throws -> [Int32] {
        let all = try await self.topic(topic).topic.partitions.map(\.partitionIndex).sorted()
        guard let partition else { return all }
        guard all.contains(partition) else {
            throw ToolFailure("topic '\(topic)' has no partition \(partition) (it has \(all.count))")
        }
        return [partition]
    }

    /// A connection to the leader of `topic`-`partition`.
    func leader(of topic: String, partition: Int32) async throws -> KafkaConnection {
        let (metadata, brokers) = try await self.topic(topic)
        guard let partitionMetadata = metadata.partitions.first(where: { $0.partitionIndex == partition }) else {
            throw ToolFailure("topic '\(topic)' has no partition \(partition) (it has \(metadata.partitions.count))")
        }
        guard partitionMetadata.leaderId >= 0, let broker = brokers.first(where: { $0.nodeId == partitionMetadata.leaderId }) else {
            throw ToolFailure("\(topic)-\(partition) has no leader")
        }
        return try await connection(host: broker.host, port: Int(broker.port))
    }

    /// A connection to the active controller, as Metadata names it.
    func controller() async throws -> KafkaConnection {
        let (host, port) = try await controllerAddress()
        return try await connection(host: host, port: port)
    }

    private func controllerAddress() async throws -> (host: String, port: Int) {
        let metadata = try await connection.metadata(topics: [], allowAutoTopicCreation: false)
        guard let broker = metadata.brokers.first(where: { $0.nodeId == metadata.controllerId }) else {
            throw ToolFailure("no active controller (Metadata names \(metadata.controllerId))")
        }
        return (broker.host, Int(broker.port))
    }

    /// A connection to the coordinator of `group`, once it coordinates: right after the group
    /// shards' topic is created, or while a shard moves to a new leader, brokers answer
    /// COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR for a moment, and clients ask again.
    func coordinator(of group: String, waitingUpTo patience: Duration = .seconds(15)) async throws -> KafkaConnection {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                let (host, port) = try await connection.findCoordinator(group: group)
                let coordinator = try await connection(host: host, port: port)
                _ = try await coordinator.committedOffsets(group: group)
                return coordinator
            } catch KafkaClientError.broker(let code, _) where Self.coordinatorMoving.contains(code) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private static let coordinatorMoving: Set<ErrorCode> = [.coordinatorNotAvailable, .notCoordinator, .coordinatorLoadInProgress]

    /// The controller's reassignments of `topic`, over a connection of its own that gives up after
    /// two seconds: a describe can do without them, and a controller that is stopped (SIGSTOP, a
    /// stall) accepts the connection and then answers nothing, which held every describe up for
    /// the full request timeout.
    func reassignmentsIfQuick(of topic: String) async throws -> [Int32: (replicas: [Int32], adding: [Int32], removing: [Int32])] {
        let (host, port) = try await controllerAddress()
        let controller = try await KafkaConnection.connect(host: host, port: port, clientID: "pier-cli", requestTimeout: .seconds(2))
        defer { Task { await controller.close() } }
        return try await controller.partitionReassignments(of: topic)
    }

    private func connection(host: String, port: Int) async throws -> KafkaConnection {
        let address = "\(host):\(port)"
        if let existing = brokerConnections[address] { return existing }
        let opened = try await KafkaConnection.connect(host: host, port: port, clientID: "pier-cli")
        brokerConnections[address] = opened
        return opened
    }
}
