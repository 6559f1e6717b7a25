import PierProtocol

/// DescribeTopicPartitions (KIP-966; `kafka-topics.sh --describe` and Kafka 3.7+ admin clients):
/// the topics' partitions with leaders, replicas and ISRs, paged by `response_partition_limit` and
/// a cursor (`TopicPartitionPaging`). An empty topic list means every topic.
struct DescribeTopicPartitionsHandler {
    let context: BrokerContext

    /// Kafka's `max.request.partition.size.limit` default: no page holds more, whatever the client asks.
    static let maximumPartitionsPerPage: Int32 = 2000

    typealias Topic = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic
    typealias Partition = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition

    func response(to request: DescribeTopicPartitionsRequest, version: Int16) async throws -> DescribeTopicPartitionsResponse {
        try await context.blocking { try respond(to: request) }
    }

    private func respond(to request: DescribeTopicPartitionsRequest) throws -> DescribeTopicPartitionsResponse {
        let requested = request.topics.isEmpty ? nil : request.topics.map(\.name)
        let cursor = request.cursor.map { TopicPartitionPaging.Position(topic: $0.topicName, partition: $0.partitionIndex) }
        if let cursor {
            if cursor.partition < 0 {
                return refused(request, message: "DescribeTopicPartitionsRequest cursor partition must be valid: \(cursor.topic)-\(cursor.partition)")
            }
            if let requested, !requested.contains(cursor.topic) {
                return refused(request, message: "DescribeTopicPartitionsRequest topic list should contain the cursor topic: \(cursor.topic)")
            }
        }
        var views: [String: TopicView] = [:]
        let names = try requested ?? context.topics.topicNames()
        for name in names where TopicName.problem(with: name) == nil {
            if let view = try context.topics.view(name) { views[name] = view }
        }
        let limit = max(1, min(Self.maximumPartitionsPerPage, request.responsePartitionLimit))
        let page = TopicPartitionPaging.page(requested: requested, partitionCounts: views.mapValues { Int32($0.partitionCount) },
                                             cursor: cursor, limit: limit)
        let liveBrokers = Set(try context.cluster.liveBrokers().keys)
        var response = DescribeTopicPartitionsResponse()
        response.topics = page.topics.map { name, range in
            guard let range, let view = views[name] else {
                let error: ErrorCode = TopicName.problem(with: name) == nil ? .unknownTopicOrPartition : .invalidTopicException
                return Topic(errorCode: error.rawValue, name: name, isInternal: name == GroupShardJournal.topic)
            }
            let partitions = range.compactMap { index -> Partition? in
                guard let details = view.partitions[index] else { return nil }
                let reported = ReportedPartition(details, liveBrokers: liveBrokers)
                // Pier has no eligible leader replicas (KIP-966); Kafka sends empty lists then, and its
                // admin client fails on null ones.
                return Partition(partitionIndex: index, leaderId: reported.leader, leaderEpoch: reported.leaderEpoch,
                                 replicaNodes: reported.replicas, isrNodes: reported.isr, eligibleLeaderReplicas: [], lastKnownElr: [],
                                 offlineReplicas: reported.offlineReplicas)
            }
            return Topic(name: name, topicId: KafkaUUID(view.topicID), isInternal: name == GroupShardJournal.topic, partitions: partitions,
                         topicAuthorizedOperations: Self.allTopicOperations)
        }
        response.nextCursor = page.nextCursor.map { .init(topicName: $0.topic, partitionIndex: $0.partition) }
        return response
    }

    /// What Kafka reports without an authorizer: every operation on a topic (READ, WRITE, CREATE,
    /// DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS) as a bit field of their ACL codes.
    static let allTopicOperations: Int32 = [3, 4, 5, 6, 7, 8, 10, 11].reduce(0) { $0 | (1 << $1) }

    /// Kafka answers an invalid request with the error on every topic it named.
    private func refused(_ request: DescribeTopicPartitionsRequest, message: String) -> DescribeTopicPartitionsResponse {
        context.logger.debug("DescribeTopicPartitions refused", metadata: ["reason": "\(message)"])
        var response = DescribeTopicPartitionsResponse()
        response.topics = request.topics.map { Topic(errorCode: ErrorCode.invalidRequest.rawValue, name: $0.name) }
        return response
    }
}
