import PierClient
import PierProtocol

/// What `pier topic describe` shows of one partition.
public struct PartitionSummary: Sendable, Equatable {
    public var partition: Int32
    public var leader: Int32
    public var replicas: [Int32]
    public var isr: [Int32]
    /// While the partition is being reassigned: the replicas being added and removed.
    public var adding: [Int32] = []
    public var removing: [Int32] = []
    public var logStartOffset: Int64
    public var logEndOffset: Int64
}

/// A topic setting and its value.
public struct ConfigSetting: Sendable, Equatable {
    public var name: String
    public var value: String
}

public struct TopicSummary: Sendable, Equatable {
    public var name: String
    public var partitions: [PartitionSummary]
    /// Settings the topic overrides, by name.
    public var configOverrides: [ConfigSetting]

    /// kafka-topics' layout: a topic line, then a line per partition.
    public var rendered: String {
        let replicationFactor = partitions.first?.replicas.count ?? 0
        let configs = configOverrides.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
        var lines = ["Topic: \(name)\tPartitionCount: \(partitions.count)\tReplicationFactor: \(replicationFactor)\tConfigs: \(configs)"]
        for partition in partitions {
            let ids = { (nodes: [Int32]) in nodes.map(String.init).joined(separator: ",") }
            // kafka-topics' names for a partition being reassigned, shown only then.
            let moving = partition.adding.isEmpty && partition.removing.isEmpty ? ""
                : "\tAdding Replicas: \(ids(partition.adding))\tRemoving Replicas: \(ids(partition.removing))"
            lines.append("\tTopic: \(name)\tPartition: \(partition.partition)\tLeader: \(partition.leader)\tReplicas: \(ids(partition.replicas))"
                + "\tIsr: \(ids(partition.isr))\(moving)\tLogStartOffset: \(partition.logStartOffset)\tLogEndOffset: \(partition.logEndOffset)")
        }
        return lines.joined(separator: "\n")
    }
}

/// `pier topic ...`: topic administration through the Kafka admin APIs.
public struct TopicAdmin {
    let session: BrokerSession

    public init(session: BrokerSession) { self.session = session }

    public func list(includeInternal: Bool = false) async throws -> [String] {
        try await session.allTopics().filter { includeInternal || !$0.isInternal }.compactMap(\.name)
    }

    public func create(_ name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String]) async throws {
        try await session.connection.createTopic(name, partitions: partitions, replicationFactor: replicationFactor, configs: configs)
    }

    public func delete(_ name: String) async throws {
        _ = try await session.topic(name)
        try await session.connection.deleteTopic(name)
    }

    /// Grows the topic to `totalCount` partitions.
    public func addPartitions(_ name: String, totalCount: Int32) async throws {
        let current = try await session.topic(name).topic.partitions.count
        guard totalCount > current else {
            throw ToolFailure("topic '\(name)' already has \(current) partitions; --partitions must be more than that")
        }
        try await session.connection.createPartitions(topic: name, totalCount: totalCount)
    }

    public func alterConfig(_ name: String, set: [String: String], delete: [String]) async throws {
        _ = try await session.topic(name)
        try await session.connection.alterTopicConfigs(name, set: set, delete: delete)
    }

    public func describe(_ name: String) async throws -> TopicSummary {
        let (topic, _) = try await session.topic(name)
        // A broker without reassignments (or no controller right now) shows none: the rest still describes.
        let moving = (try? await session.reassignmentsIfQuick(of: name)) ?? [:]
        var partitions: [PartitionSummary] = []
        for partition in topic.partitions.sorted(by: { $0.partitionIndex < $1.partitionIndex }) {
            let leader = try await session.leader(of: name, partition: partition.partitionIndex)
            partitions.append(PartitionSummary(
                partition: partition.partitionIndex, leader: partition.leaderId, replicas: partition.replicaNodes, isr: partition.isrNodes,
                adding: moving[partition.partitionIndex]?.adding ?? [], removing: moving[partition.partitionIndex]?.removing ?? [],
                logStartOffset: try await leader.listOffsets(topic: name, partition: partition.partitionIndex, .earliest),
                logEndOffset: try await leader.listOffsets(topic: name, partition: partition.partitionIndex, .latest)))
        }
        let overrides = try await session.connection.describeTopicConfigs(name)
            .filter(\.isOverride)
            .map { ConfigSetting(name: $0.name, value: $0.isSensitive ? "(sensitive)" : ($0.value ?? "null")) }
        return TopicSummary(name: name, partitions: partitions, configOverrides: overrides)
    }
}

/// `name=value` settings as given on the command line.
public enum ConfigAssignments {
    public static func parse(_ assignments: [String], option: String) throws -> [String: String] {
        var settings: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ToolFailure("\(option) '\(assignment)' is not NAME=VALUE")
            }
            settings[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return settings
    }
}
