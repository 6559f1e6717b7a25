import Foundation
import PierCoordination
import PierProtocol

/// Metadata: the live brokers and the requested topics (all when the request says so), read from
/// the coordination store's Kafka layout. Unknown topics are created when the client allows it
/// and `auto.create.topics.enable` is on.
struct MetadataHandler {
    let context: BrokerContext

    /// `listener`: the one the request came through, whose addresses the brokers are given with.
    func response(to request: MetadataRequest, version: Int16, listener: String? = nil) async throws -> MetadataResponse {
        try await context.blocking { try respond(to: request, version: version, listener: listener) }
    }

    private func respond(to request: MetadataRequest, version: Int16, listener: String?) throws -> MetadataResponse {
        var response = MetadataResponse()
        let brokers = try context.cluster.liveBrokers()
        response.brokers = brokers.clientAddresses(listener: listener).map { broker in
            MetadataResponse.MetadataResponseBroker(nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack)
        }
        response.clusterId = version >= 2 ? context.clusterID : nil
        response.controllerId = try context.cluster.controller() ?? context.nodeID
        let liveBrokers = Set(brokers.keys)

        // v0 has no null: an empty list means every topic there.
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        if wantsAll {
            response.topics = try context.topics.topicNames().map { try describe(name: $0, liveBrokers: liveBrokers, mayCreate: false) }
        } else {
            // Before v4 there is no flag: brokers always auto-created.
            let clientAllows = version < 4 || request.allowAutoTopicCreation
            response.topics = try (request.topics ?? []).map { requested in
                if let name = requested.name {
                    return try describe(name: name, liveBrokers: liveBrokers, mayCreate: clientAllows && context.configuration.autoCreateTopics)
                }
                return try describe(topicID: requested.topicId, liveBrokers: liveBrokers)
            }
        }
        return response
    }

    private func describe(name: String, liveBrokers: Set<Int32>, mayCreate: Bool) throws -> MetadataResponse.MetadataResponseTopic {
        if TopicName.problem(with: name) != nil {
            return MetadataResponse.MetadataResponseTopic(errorCode: ErrorCode.invalidTopicException.rawValue, name: name)
        }
        var found = try context.topics.view(name)
        if found == nil && mayCreate {
            do {
                found = try context.topics.create(TopicManager.Creation(name: name, configs: [:]))
            } catch let problem where problem.errorCode == .topicAlreadyExists {
                found = try context.topics.refresh(name)  // another client's metadata request created it first
            } catch {
                context.logger.warning("auto-creating a topic failed", metadata: ["topic": "\(name)", "error": "\(error.message)"])
                return MetadataResponse.MetadataResponseTopic(errorCode: error.errorCode.rawValue, name: name)
            }
        }
        guard let view = found else {
            return MetadataResponse.MetadataResponseTopic(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name)
        }
        var topic = MetadataResponse.MetadataResponseTopic(name: name, topicId: KafkaUUID(view.topicID), isInternal: name == GroupShardJournal.topic)
        topic.partitions = view.partitions.sorted { $0.key < $1.key }.map { partition, details in
            let reported = ReportedPartition(details, liveBrokers: liveBrokers)
            guard details.state != nil else {
                return MetadataResponse.MetadataResponsePartition(
                    errorCode: ErrorCode.leaderNotAvailable.rawValue, partitionIndex: partition, leaderId: -1, replicaNodes: reported.replicas
                )
            }
            return MetadataResponse.MetadataResponsePartition(
                errorCode: reported.leaderIsLive ? ErrorCode.noError.rawValue : ErrorCode.leaderNotAvailable.rawValue,
                partitionIndex: partition, leaderId: reported.leader, leaderEpoch: reported.leaderEpoch,
                replicaNodes: reported.replicas, isrNodes: reported.isr, offlineReplicas: reported.offlineReplicas
            )
        }
        return topic
    }

    private func describe(topicID: KafkaUUID, liveBrokers: Set<Int32>) throws -> MetadataResponse.MetadataResponseTopic {
        for name in try context.topics.topicNames() {
            if let view = try context.topics.view(name), KafkaUUID(view.topicID) == topicID {
                return try describe(name: name, liveBrokers: liveBrokers, mayCreate: false)
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
