import PierCoordination
import PierProtocol

/// Why a topic operation was refused, with the Kafka error a client acts on and a message for it.
struct TopicProblem: Error, Equatable, Sendable {
    let errorCode: ErrorCode
    let message: String

    init(_ errorCode: ErrorCode, _ message: String) {
        self.errorCode = errorCode
        self.message = message
    }

    static func unknownTopic(_ name: String) -> TopicProblem {
        TopicProblem(.unknownTopicOrPartition, "topic '\(name)' does not exist")
    }

    init(_ error: ClusterMetadataError) {
        switch error {
        case .topicAlreadyExists(let name): self.init(.topicAlreadyExists, "topic '\(name)' already exists")
        case .unknownTopic(let name): self = .unknownTopic(name)
        case .concurrentModification(let path): self.init(.reassignmentInProgress, "\(path) changed meanwhile; retry")
        case .invalidAssignment(let topic, let partition): self.init(.invalidReplicaAssignment, "invalid assignment for \(topic)-\(partition)")
        default: self.init(.unknownServerError, "coordination store: \(error)")
        }
    }

    init(_ problem: TopicConfiguration.Problem) {
        switch problem {
        case .unknown(let name): self.init(.invalidConfig, "unknown topic config '\(name)'")
        case .invalid(let message): self.init(.invalidConfig, message)
        }
    }

    init(_ problem: ReplicaAssignment.Problem) {
        switch problem {
        case let .replicationFactorExceedsBrokers(factor, brokers):
            self.init(.invalidReplicationFactor, "replication factor \(factor) is larger than the \(brokers) live broker(s)")
        case .invalidPartitionCount(let count):
            self.init(.invalidPartitions, "number of partitions must be at least 1, not \(count)")
        case .invalidReplicationFactor(let factor):
            self.init(.invalidReplicationFactor, "replication factor must be at least 1, not \(factor)")
        }
    }
}
