import Foundation
import PierCoordination
import PierProtocol

/// Metadata: the live brokers and the requested topics (all when the request says so), read from
/// the coordination store's Kafka layout.
struct MetadataHandler {
    let cluster: ClusterMetadata
    let clusterID: String
    let nodeID: Int32

    func response(to request: MetadataRequest, version: Int16) throws -> MetadataResponse {
        var response = MetadataResponse()
        let brokers = try cluster.liveBrokers()
        response.brokers = brokers.sorted { $0.key < $1.key }.map { id, registration in
            MetadataResponse.MetadataResponseBroker(nodeId: id, host: registration.host, port: registration.port, rack: registration.rack)
        }
        response.clusterId = version >= 2 ? clusterID : nil
        response.controllerId = try cluster.controller() ?? nodeID

        // v0 has no null: an empty list means every topic there.
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        if wantsAll {
            response.topics = try cluster.topicNames().map { try describe(name: $0, liveBrokers: Set(brokers.keys)) }
        } else {
            response.topics = try (request.topics ?? []).map { requested in
                if let name = requested.name {
                    return try describe(name: name, liveBrokers: Set(brokers.keys))
                }
                return try describe(topicID: requested.topicId, liveBrokers: Set(brokers.keys))
            }
        }
        return response
    }

    private func describe(name: String, liveBrokers: Set<Int32>) throws -> MetadataResponse.MetadataResponseTopic {
        if TopicName.problem(with: name) != nil {
            return MetadataResponse.MetadataResponseTopic(errorCode: ErrorCode.invalidTopicException.rawValue, name: name)
        }
        guard let assignment = try cluster.topic(name) else {
            return MetadataResponse.MetadataResponseTopic(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name)
        }
        var topic = MetadataResponse.MetadataResponseTopic(name: name, topicId: assignment.topicUUID.map(KafkaUUID.init) ?? .zero)
        topic.partitions = try assignment.replicasByPartition.map { partition, replicas in
            guard let (state, _) = try cluster.partitionState(name, partition) else {
                return MetadataResponse.MetadataResponsePartition(
                    errorCode: ErrorCode.leaderNotAvailable.rawValue, partitionIndex: partition, leaderId: -1, replicaNodes: replicas
                )
            }
            let leaderIsLive = liveBrokers.contains(state.leader)
            return MetadataResponse.MetadataResponsePartition(
                errorCode: leaderIsLive ? ErrorCode.noError.rawValue : ErrorCode.leaderNotAvailable.rawValue,
                partitionIndex: partition, leaderId: leaderIsLive ? state.leader : -1, leaderEpoch: state.leaderEpoch,
                replicaNodes: replicas, isrNodes: state.isr, offlineReplicas: replicas.filter { !liveBrokers.contains($0) }
            )
        }
        return topic
    }

    private func describe(topicID: KafkaUUID, liveBrokers: Set<Int32>) throws -> MetadataResponse.MetadataResponseTopic {
        for name in try cluster.topicNames() {
            if let assignment = try cluster.topic(name), assignment.topicUUID.map(KafkaUUID.init) == topicID {
                return try describe(name: name, liveBrokers: liveBrokers)
            }
        }
        return MetadataResponse.MetadataResponseTopic(errorCode: ErrorCode.unknownTopicId.rawValue, name: nil, topicId: topicID)
    }
}

extension KafkaUUID {
    /// The same 16 bytes, most significant first.
    init(_ uuid: UUID) {
        let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self.init(mostSignificantBits: high, leastSignificantBits: low)
    }
}
